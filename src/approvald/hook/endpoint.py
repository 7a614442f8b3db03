"""Where the hook dials the daemon, computed with `os` alone.

`approvald.paths` is the authority (a test holds the two in agreement), but importing it costs
pathlib + dataclasses, about 8 ms on every agent tool call; the hook needs one string from it.
`APPROVALD_SOCKET` overrides (tests, a daemon started with `--socket`).

`APPROVALD_TRANSPORT=tcp|unix` picks how the daemon listens (default: tcp on Windows, unix
elsewhere); `selected_transport()` is the one place that decides, for the daemon, `Paths.socket`,
the hook and the clients alike. Over TCP both ends prove they know the client token
(`state/client.token`) without ever sending it: loopback TCP is open to every local user, where
the Unix socket's file permissions already keep others out, and a process that took a dead
daemon's port must learn nothing from a client and be unable to answer one (docs/API.md).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Mapping

HOME_ENV = "APPROVALD_HOME"
SOCKET_ENV = "APPROVALD_SOCKET"
APP = "approvald"
SOCKET_NAME = "approvald.sock"
TRANSPORT_ENV = "APPROVALD_TRANSPORT"
TCP = "tcp"
UNIX = "unix"
TRANSPORTS = (TCP, UNIX)
TCP_PREFIX = "tcp://"
NO_TCP_ENDPOINT = "tcp://127.0.0.1:0"  # nothing written yet: the transport refuses port 0
CLIENT_TOKEN_NAME = "client.token"
CLIENT_HEADER = "X-Approvald-Client"
SERVER_HEADER = "X-Approvald-Server"


def selected_transport(environ: Mapping[str, str] | None = None) -> str:
    """`tcp` or `unix`: APPROVALD_TRANSPORT when it names one, else the platform's default."""
    value = (os.environ if environ is None else environ).get(TRANSPORT_ENV, "").strip().lower()
    if value in TRANSPORTS:
        return value
    return TCP if sys.platform == "win32" else UNIX


def _env_dir(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value if value and os.path.isabs(value) else default


def platform_dirs() -> dict[str, str]:
    """The user directories platformdirs would give for `approvald` on this platform
    (data, config, state, log, runtime); `approvald.paths` builds on these too."""
    user_home = os.path.expanduser("~")
    if sys.platform == "darwin":
        support = os.path.join(user_home, "Library", "Application Support", APP)
        return {"data": support, "config": support, "state": support,
                "log": os.path.join(user_home, "Library", "Logs", APP),
                "runtime": os.path.join(user_home, "Library", "Caches", "TemporaryItems", APP)}
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or os.path.join(user_home, "AppData", "Local")
        base = os.path.join(local, APP, APP)  # platformdirs: appauthor defaults to appname
        return {"data": base, "config": base, "state": base,
                "log": os.path.join(base, "Logs"), "runtime": os.path.join(local, "Temp", APP)}
    state = os.path.join(
        _env_dir("XDG_STATE_HOME", os.path.join(user_home, ".local", "state")), APP)
    runtime = _env_dir("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}")
    if not os.path.isdir(runtime):
        # platformdirs falls back to a per-user temp directory when /run/user is missing.
        runtime = f"/tmp/runtime-{os.getuid()}"
    return {
        "data": os.path.join(
            _env_dir("XDG_DATA_HOME", os.path.join(user_home, ".local", "share")), APP),
        "config": os.path.join(
            _env_dir("XDG_CONFIG_HOME", os.path.join(user_home, ".config")), APP),
        "state": state,
        "log": os.path.join(state, "log"),
        "runtime": os.path.join(runtime, APP),
    }


def _under_home(name: str) -> str | None:
    """`APPROVALD_HOME/name` when APPROVALD_HOME is set."""
    home = os.environ.get(HOME_ENV, "").strip()
    return os.path.join(os.path.realpath(os.path.expanduser(home)), name) if home else None


def runtime_dir() -> str:
    return _under_home("run") or platform_dirs()["runtime"]


def daemon_endpoint() -> str:
    """A Unix socket path, or `tcp://127.0.0.1:PORT` (from the endpoint file) over TCP."""
    override = os.environ.get(SOCKET_ENV, "").strip()
    if override:
        return override
    if selected_transport() == TCP:
        try:
            with open(os.path.join(runtime_dir(), "endpoint"), encoding="utf-8") as fh:
                return fh.read().strip() or NO_TCP_ENDPOINT
        except OSError:
            return NO_TCP_ENDPOINT
    return os.path.join(runtime_dir(), SOCKET_NAME)


def state_dir() -> str:
    """`Paths.state`, for the client token; same agreement test as the socket."""
    return _under_home("state") or platform_dirs()["state"]


def read_client_token(path: str | None = None) -> str | None:
    """The TCP client token (`state/client.token`, written by the daemon), or None."""
    try:
        with open(path or os.path.join(state_dir(), CLIENT_TOKEN_NAME), encoding="utf-8") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def client_proof(token: str, nonce: str, method: str, target: str) -> str:
    """`X-Approvald-Client`'s proof: hex HMAC-SHA256(token, "client:NONCE:METHOD TARGET"), the
    target being the request line's path with its query, exactly as sent."""
    import hashlib
    import hmac

    message = f"client:{nonce}:{method} {target}".encode("latin-1")
    return hmac.new(token.encode("utf-8"), message, hashlib.sha256).hexdigest()


def server_proof(token: str, nonce: str) -> str:
    """`X-Approvald-Server`: hex HMAC-SHA256(token, "server:NONCE"), the daemon's half."""
    import hashlib
    import hmac

    message = f"server:{nonce}".encode("latin-1")
    return hmac.new(token.encode("utf-8"), message, hashlib.sha256).hexdigest()


def config_file() -> str:
    """config.toml, for the hook's timeout; same agreement test as the socket."""
    return _under_home("config.toml") or os.path.join(platform_dirs()["config"], "config.toml")
