#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked gnome-keyring (the real
# Secret Service), the way a Linux desktop session provides one.
set -euo pipefail
if [ "${APPROVALD_IN_KEYRING_SESSION:-}" = 1 ] || ! command -v dbus-run-session >/dev/null \
   || ! command -v gnome-keyring-daemon >/dev/null; then
  exec "$@"
fi
export APPROVALD_IN_KEYRING_SESSION=1
exec dbus-run-session -- bash -c '
  export XDG_DATA_HOME="$(mktemp -d)"   # a throwaway login keyring, not the user'"'"'s
  printf "approvald-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' bash "$@"
