#!/usr/bin/env bash
# Create .venv and install approvald (editable) with its development tools and the otel extra
# (the OTLP export tests decode what the daemon sends with opentelemetry-proto).
# The install is skipped when nothing it depends on changed since the last one (a stamp in
# .venv): the editable install already sees every source change. SETUP_FORCE=1 installs anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
STAMP=.venv/.approvald-setup
say() { [ -n "${SETUP_QUIET:-}" ] || echo "[setup] $*" >&2; }
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -c 'import ensurepip' 2>/dev/null; then  # Debian ships venv support apart
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing python3-venv"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
      echo "setup: $PY cannot create a venv; install python3-venv first" >&2
      exit 1
    fi
  fi
  say "creating .venv"
  "$PY" -m venv .venv
fi
# What the install depends on: the project's metadata, this script, the interpreter.
want=$(cat pyproject.toml scripts/setup.sh <(.venv/bin/python -VV) | sha256sum | cut -d' ' -f1)
if [ -z "${SETUP_FORCE:-}" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
    && [ -x .venv/bin/approvald ]; then
  say "nothing changed since the last install; skipping it (SETUP_FORCE=1 to redo)"
  exit 0
fi
say "installing approvald and its tools into .venv (a minute the first time) ..."
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[dev,otel]' 2>&1 | grep -v '^WARNING: Location' || true
# fails loudly if the install did not work
.venv/bin/python -c 'import approvald, approvald_tui, opentelemetry.proto.logs.v1.logs_pb2'
echo "$want" > "$STAMP"
say "installed"
