#!/usr/bin/env bash
# Set up everything the test suite needs, then run it: lint, types, import contracts, tests.
# Usage: scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: tmux (dashboard end-to-end), gnome-keyring + dbus (real Secret Service),
# ruby (Homebrew formula syntax check). Installed only when missing and we may.
need=()
command -v tmux >/dev/null || need+=(tmux)
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

export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff" && ruff check src tui tests benchmarks packaging
echo "== mypy" && mypy
echo "== import contracts" && lint-imports
echo "== pytest"
exec scripts/with-keyring.sh pytest -n 2 "$@"
