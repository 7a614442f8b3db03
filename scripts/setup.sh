#!/usr/bin/env bash
# Create .venv and install approvald (editable) with its development tools and the otel extra
# (the OTLP export tests decode what the daemon sends with opentelemetry-proto).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[dev,otel]' 2>&1 | grep -v '^WARNING: Location' || true
# fails loudly if the install did not work
.venv/bin/python -c 'import approvald, approvald_tui, opentelemetry.proto.logs.v1.logs_pb2'
