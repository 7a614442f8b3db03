#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked gnome-keyring (the real
# Secret Service), the way a Linux desktop session provides one.
# Usage: scripts/with-keyring.sh CMD [ARGS...]   (exit status: CMD's)
# Needs `dbus-run-session` (dbus) and `gnome-keyring-daemon` (gnome-keyring); without them, or
# when already inside such a session, CMD runs as it is.
set -euo pipefail
if [ "${APPROVALD_IN_KEYRING_SESSION:-}" = 1 ] || ! command -v dbus-run-session >/dev/null \
   || ! command -v gnome-keyring-daemon >/dev/null; then
  exec "$@"
fi
export APPROVALD_IN_KEYRING_SESSION=1
exec dbus-run-session -- bash -c '
  set -u
  # A throwaway login keyring and control directory: never the user'"'"'s keyring, and never
  # another session'"'"'s daemon (gnome-keyring-daemon --unlock reuses one found in its
  # control directory).
  scratch="$(mktemp -d)"
  trap '"'"'rm -rf "$scratch"'"'"' EXIT
  mkdir -m 700 "$scratch/data" "$scratch/control"
  if ! printf "approvald-test" | XDG_DATA_HOME="$scratch/data" \
      gnome-keyring-daemon --unlock --components=secrets \
      --control-directory="$scratch/control" >/dev/null; then
    echo "with-keyring.sh: gnome-keyring-daemon did not start; running without it" >&2
  fi
  "$@"' bash "$@"
