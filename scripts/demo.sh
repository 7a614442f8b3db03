#!/usr/bin/env bash
# Set up (skipped when nothing changed), then run the daemon + dashboard with a simulated
# Claude Code session.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/approvald demo "$@"
