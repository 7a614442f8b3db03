#!/usr/bin/env bash
# Build the approvald binary with PyInstaller (packaging/approvald.spec: one folder,
# dist/approvald/approvald; APPROVALD_ONEFILE=1: one file, dist/approvald) and smoke-test it
# the way a user would meet it: from another directory, with a fresh APPROVALD_HOME.
#
#   packaging/build_binary.sh              # build with .venv (pyinstaller is in the dev extra)
#   PYTHON=/path/to/python packaging/build_binary.sh   # e.g. a clean venv made from the lock
#   packaging/build_binary.sh --smoke-only # test an existing build
#
# Smoke tests: --version; policy decisions (bundled starter policy, and a --policy file); a
# dashboard screenshot taken headless (TEXTUAL_SCREENSHOT) with the daemon the dashboard starts
# by running this same binary; a non-zero exit when the dashboard fails (inside the app, and
# when its daemon cannot start); an MCP handshake and tool call with `mcp serve`; `daemon` +
# `status` run by the binary.
# Environment: DIST_DIR (default dist), BUILD_DIR (default build/pyinstaller), PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
DIST=$(realpath -m "${DIST_DIR:-dist}")
WORK=$(realpath -m "${BUILD_DIR:-build/pyinstaller}")
if [ -n "${APPROVALD_ONEFILE:-}" ]; then BIN="$DIST/approvald"; else BIN="$DIST/approvald/approvald"; fi
VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' src/approvald/__init__.py)

fail() { echo "build_binary: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

if [ "${1:-}" != "--smoke-only" ]; then
  "$PY" -m PyInstaller --version >/dev/null 2>&1 \
    || fail "PyInstaller is not installed for $PY (pip install pyinstaller)"
  mkdir -p "$WORK"
  step "pyinstaller (log: $WORK/build.log)"
  started=$(date +%s)
  if ! "$PY" -m PyInstaller --noconfirm --distpath "$DIST" --workpath "$WORK" \
      packaging/approvald.spec >"$WORK/build.log" 2>&1; then
    tail -40 "$WORK/build.log" >&2
    fail "pyinstaller failed"
  fi
  echo "built $BIN in $(( $(date +%s) - started )) s ($(du -sh "$(dirname "$BIN")" | cut -f1))"
fi
[ -x "$BIN" ] || fail "no binary at $BIN"

# Everything below runs from a scratch directory, far from the source tree.
SCRATCH=$(mktemp -d /tmp/ad-bin-XXXXXX)
DAEMON_PID=
cleanup() {
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
cd "$SCRATCH"
export APPROVALD_HOME="$SCRATCH/home"
unset PYTHONPATH PYTHONHOME || true

step "--version"
out=$(timeout 30 "$BIN" --version) || fail "--version exited non-zero"
[ "$out" = "approvald $VERSION" ] || fail "--version printed '$out', expected 'approvald $VERSION'"
echo "$out"

step "policy decision (bundled starter policy)"
payload='{"session_id":"smoke","hook_event_name":"PreToolUse","cwd":"/tmp","tool_name":"Bash","tool_input":{"command":"rm -rf /"}}'
decision=$(echo "$payload" | timeout 30 "$BIN" policy test --from claude-code) \
  || fail "policy test exited non-zero"
echo "$decision"
echo "$decision" | grep -q '"decision": *"DENY"' || fail "rm -rf / was not denied"

step "policy decision (--policy file)"
cat >"$SCRATCH/policy.yaml" <<'YAML'
version: 1
name: smoke
default: ALLOW
rules:
  - id: block-push
    decision: DENY
    reason: Pushing is not allowed here.
    match: {program: git, args: [push]}
YAML
push='{"session_id":"smoke","hook_event_name":"PreToolUse","cwd":"/tmp","tool_name":"Bash","tool_input":{"command":"git push origin main"}}'
decision=$(echo "$push" | timeout 30 "$BIN" policy test --from claude-code --policy "$SCRATCH/policy.yaml") \
  || fail "policy test --policy exited non-zero"
echo "$decision" | grep -q '"block-push"' || fail "block-push did not decide: $decision"
echo "$decision" | grep -q '"decision": *"DENY"' || fail "git push was not denied: $decision"

HEADLESS=textual.drivers.headless_driver:HeadlessDriver

step "dashboard screenshot (headless; the dashboard starts its own daemon)"
TEXTUAL_DRIVER=$HEADLESS TEXTUAL_SCREENSHOT=3 TEXTUAL_SCREENSHOT_LOCATION="$SCRATCH" \
TEXTUAL_SCREENSHOT_FILENAME=dashboard.svg \
  timeout 90 "$BIN" tui --no-notify </dev/null >"$SCRATCH/tui.out" 2>&1 \
  || { tail -20 "$SCRATCH/tui.out" >&2; fail "tui exited non-zero"; }
[ -s "$SCRATCH/dashboard.svg" ] || fail "no screenshot written"
grep -q "<svg" "$SCRATCH/dashboard.svg" || fail "the screenshot is not an SVG"
grep -q "daemon&#160;connected" "$SCRATCH/dashboard.svg" \
  || fail "the screenshot does not show a connected daemon"
grep -q "stopped the daemon this dashboard started" "$SCRATCH/tui.out" \
  || fail "the dashboard did not stop the daemon it started"
mkdir -p "$DIST"
cp "$SCRATCH/dashboard.svg" "$DIST/dashboard-smoke.svg"
echo "screenshot: $DIST/dashboard-smoke.svg ($(wc -c <"$SCRATCH/dashboard.svg") bytes)"

step "dashboard failing inside the app: its exit code comes out"
# The screenshot cannot be saved (no such directory): the app fails in its own event loop.
set +e
TEXTUAL_DRIVER=$HEADLESS TEXTUAL_SCREENSHOT=1 TEXTUAL_SCREENSHOT_LOCATION="$SCRATCH/missing/dir" \
  timeout 60 "$BIN" tui --no-start --no-notify </dev/null >"$SCRATCH/tui-fail.out" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] \
  || fail "a failing dashboard exited $code (expected non-zero, not a timeout)"
echo "exit $code"

step "dashboard whose daemon cannot start: non-zero exit"
touch "$SCRATCH/not-a-directory"
set +e
APPROVALD_HOME="$SCRATCH/not-a-directory" TEXTUAL_DRIVER=$HEADLESS \
  timeout 60 "$BIN" tui --no-notify </dev/null >"$SCRATCH/tui-nodaemon.out" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] || fail "tui without a daemon exited $code"
echo "exit $code: $(tail -1 "$SCRATCH/tui-nodaemon.out")"

step "MCP gateway: the built-in tools server answers the handshake and a tool call"
# stdin stays open a while: at its end the server closes the connection, answered or not.
{ printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"smoke","version":"0"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"policy.yaml"}}}'
  sleep 8; } | timeout 60 "$BIN" mcp serve >"$SCRATCH/mcp.out" 2>"$SCRATCH/mcp.err" \
  || { cat "$SCRATCH/mcp.err" >&2; fail "mcp serve exited non-zero"; }
grep -q '"protocolVersion":"2025-11-25"' "$SCRATCH/mcp.out" || fail "no initialize answer: $(cat "$SCRATCH/mcp.out")"
grep -q 'block-push' "$SCRATCH/mcp.out" || fail "read_file did not answer: $(cat "$SCRATCH/mcp.out")"

step "daemon run by the binary"
"$BIN" daemon >"$SCRATCH/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 100); do
  if timeout 10 "$BIN" status --json >/dev/null 2>&1; then break; fi
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$SCRATCH/daemon.log" >&2; fail "daemon exited"; }
  sleep 0.2
done
timeout 10 "$BIN" status --json || { cat "$SCRATCH/daemon.log" >&2; fail "daemon never answered"; }

step "the hook install writes, through the daemon"
hook=$(HOME="$SCRATCH" timeout 30 "$BIN" install claude-code --dry-run --json \
  | sed -n 's/^ *"command": "\(.*\)",\{0,1\}$/\1/p' | head -1)
[ "$hook" = "$BIN hook claude-code" ] || fail "install writes '$hook', not '$BIN hook claude-code'"
ls_payload='{"session_id":"smoke","hook_event_name":"PreToolUse","cwd":"/tmp","tool_name":"Bash","tool_input":{"command":"ls -la"}}'
env_payload='{"session_id":"smoke","hook_event_name":"PreToolUse","cwd":"/tmp","tool_name":"Bash","tool_input":{"command":"cat .env"}}'
out=$(echo "$ls_payload" | timeout 30 "$BIN" hook claude-code) || fail "the hook exited non-zero"
[ -z "$out" ] || fail "ls -la was not allowed through the daemon: $out"
out=$(echo "$env_payload" | timeout 30 "$BIN" hook claude-code) || fail "the hook exited non-zero"
echo "$out" | grep -q '"permissionDecision": "deny"' || fail "cat .env was not denied: $out"
kill "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=

step "the hook without a daemon (local check)"
out=$(echo "$env_payload" | timeout 30 "$BIN" hook claude-code) || fail "the hook exited non-zero"
echo "$out" | grep -q '"permissionDecision": "deny"' || fail "cat .env was not denied locally: $out"
grep -q '"mode":"local"' "$APPROVALD_HOME/audit/audit.jsonl" || fail "no local audit record"
echo "build_binary: all smoke tests passed"
