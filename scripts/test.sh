#!/usr/bin/env bash
# Set up everything the test suite needs, then run it: lint, types, import contracts, tests.
# Usage: scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: tmux (dashboard end-to-end), gnome-keyring + dbus (real Secret Service),
# ruby (Homebrew formula syntax check), node + npm (the npm reference MCP server the gateway's
# end-to-end tests run). Installed only when missing and we may.
need=()
command -v tmux >/dev/null || need+=(tmux)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v dbus-run-session >/dev/null || need+=(dbus)
command -v ruby >/dev/null || need+=(ruby)
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing system packages: ${need[*]} (install them, or run as root)" >&2
  fi
fi

scripts/setup.sh

# The npm MCP servers the gateway's tests run, pinned by tests/support/npm/package-lock.json and
# installed into .cache/npm (ignored by git) again only when that lock changes.
if command -v npm >/dev/null; then
  mkdir -p .cache/npm
  if [ ! -d .cache/npm/node_modules ] || \
     ! cmp -s tests/support/npm/package-lock.json .cache/npm/package-lock.json; then
    cp tests/support/npm/package.json tests/support/npm/package-lock.json .cache/npm/
    (cd .cache/npm && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
else
  echo "npm is missing: the MCP gateway tests against server-filesystem will fail" >&2
fi

export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff" && ruff check src tui tests benchmarks packaging
echo "== mypy" && mypy
echo "== import contracts" && lint-imports
# Every figure of benchmarks/bench_speed.py, briefly: that they work, not how fast they are.
echo "== benchmarks (smoke)" && python benchmarks/bench_speed.py --smoke >/dev/null
echo "== pytest"
exec scripts/with-keyring.sh pytest -n 2 "$@"
