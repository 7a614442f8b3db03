"""A keyring backend for unit tests; end-to-end tests use the real Secret Service
(`secret_service_env`, a fixture for the conftests that need it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Unit tests only: a keyring that lives in this process's memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise PasswordDeleteError("not there")
        del self.entries[(service, username)]


def _secret_service_answers(env: dict[str, str]) -> bool:
    """Can a fresh process store and read back through the Secret Service with this env?"""
    probe = (
        "import keyring.backends.SecretService as s, sys\n"
        "k = s.Keyring()\n"
        "k.set_password('approvald-probe', 'probe', 'x')\n"
        "ok = k.get_password('approvald-probe', 'probe') == 'x'\n"
        "k.delete_password('approvald-probe', 'probe')\n"
        "sys.exit(0 if ok else 1)\n"
    )
    try:
        result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                                timeout=20)
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


@pytest.fixture(scope="session")
def secret_service_env() -> Iterator[dict[str, str]]:
    """Environment variables that reach a real, unlocked Secret Service.

    Inside scripts/with-keyring.sh (CI) its throwaway session bus is used. Otherwise this starts
    a private dbus-daemon and gnome-keyring-daemon for the test session (torn down afterwards):
    tests never write to a developer's own login keyring. Skips only when neither is possible.
    """
    if (os.environ.get("APPROVALD_IN_KEYRING_SESSION") == "1"
            and os.environ.get("DBUS_SESSION_BUS_ADDRESS")
            and _secret_service_answers(dict(os.environ))):
        yield {"DBUS_SESSION_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"]}
        return
    dbus_daemon = shutil.which("dbus-daemon")
    gnome_keyring = shutil.which("gnome-keyring-daemon")
    if not dbus_daemon or not gnome_keyring:
        pytest.skip("no Secret Service reachable and no dbus-daemon/gnome-keyring-daemon to "
                    "start one (apt-get install dbus gnome-keyring, or run the tests through "
                    "scripts/with-keyring.sh)")
    scratch = Path(tempfile.mkdtemp(prefix="ad-kr-"))
    (scratch / "data").mkdir(mode=0o700)
    (scratch / "control").mkdir(mode=0o700)
    bus = subprocess.Popen([dbus_daemon, "--session", "--print-address=1", "--nofork"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    keyring_daemon: subprocess.Popen[bytes] | None = None
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        if not address:
            pytest.skip("dbus-daemon did not start")
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address,
               "XDG_DATA_HOME": str(scratch / "data")}
        # --foreground keeps it our child, so the teardown below can end it.
        keyring_daemon = subprocess.Popen(
            [gnome_keyring, "--foreground", "--unlock", "--components=secrets",
             f"--control-directory={scratch / 'control'}"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=env)
        assert keyring_daemon.stdin is not None
        keyring_daemon.stdin.write(b"approvald-test")
        keyring_daemon.stdin.close()
        env.pop("XDG_DATA_HOME")
        deadline = time.monotonic() + 15
        while not _secret_service_answers(env):
            if time.monotonic() > deadline:
                pytest.skip("gnome-keyring-daemon started but the Secret Service does not answer")
            time.sleep(0.2)
        yield {"DBUS_SESSION_BUS_ADDRESS": address}
    finally:
        for process in (keyring_daemon, bus):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        shutil.rmtree(scratch, ignore_errors=True)
