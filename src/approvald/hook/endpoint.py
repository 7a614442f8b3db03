"""Where the hook dials the daemon, computed with `os` alone.

`approvald.paths` is the authority (a test holds the two in agreement), but importing it costs
pathlib + dataclasses, about 8 ms on every agent tool call; the hook needs one string from it.
`APPROVALD_SOCKET` overrides (tests, a daemon started with `--socket`).
"""

from __future__ import annotations

import os
import sys

HOME_ENV = "APPROVALD_HOME"
SOCKET_ENV = "APPROVALD_SOCKET"
APP = "approvald"
SOCKET_NAME = "approvald.sock"


def _env_dir(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value if value and os.path.isabs(value) else default


def runtime_dir() -> str:
    home = os.environ.get(HOME_ENV, "").strip()
    if home:
        return os.path.join(os.path.realpath(os.path.expanduser(home)), "run")
    user_home = os.path.expanduser("~")
    if sys.platform == "darwin":
        return os.path.join(user_home, "Library", "Caches", "TemporaryItems", APP)
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or os.path.join(user_home, "AppData", "Local")
        return os.path.join(local, "Temp", APP)
    base = _env_dir("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}")
    if not os.path.isdir(base):
        base = f"/tmp/runtime-{os.getuid()}"
    return os.path.join(base, APP)


def daemon_endpoint() -> str:
    """A Unix socket path, or `tcp://127.0.0.1:PORT` on Windows (from the endpoint file)."""
    override = os.environ.get(SOCKET_ENV, "").strip()
    if override:
        return override
    if sys.platform == "win32":
        try:
            with open(os.path.join(runtime_dir(), "endpoint"), encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError:
            return "tcp://127.0.0.1:0"
    return os.path.join(runtime_dir(), SOCKET_NAME)


def config_file() -> str:
    """config.toml, for the hook's timeout; same agreement test as the socket."""
    home = os.environ.get(HOME_ENV, "").strip()
    if home:
        return os.path.join(os.path.realpath(os.path.expanduser(home)), "config.toml")
    user_home = os.path.expanduser("~")
    if sys.platform == "darwin":
        return os.path.join(user_home, "Library", "Application Support", APP, "config.toml")
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or os.path.join(user_home, "AppData", "Local")
        return os.path.join(local, APP, APP, "config.toml")
    return os.path.join(_env_dir("XDG_CONFIG_HOME", os.path.join(user_home, ".config")), APP,
                        "config.toml")
