"""Where a client dials the daemon, computed with `os` alone.

`approvald.paths` is the authority (a test holds the two in agreement), but importing it costs
pathlib and dataclasses, about 8 ms on every agent tool call; the hook needs a few strings from
it. `APPROVALD_SOCKET` overrides (tests, a daemon started with `--socket`); over TCP the daemon
writes its `tcp://127.0.0.1:PORT` into the runtime directory's endpoint file.
"""

from __future__ import annotations

import os

from approvald.settings import NO_TCP_ENDPOINT, TCP, env_home, env_socket, selected_transport
from approvald.userdirs import platform_dirs
from approvald.wire.protocol import CLIENT_TOKEN_NAME, ENDPOINT_FILE_NAME, SOCKET_NAME


def _under_home(name: str) -> str | None:
    """`APPROVALD_HOME/name` when APPROVALD_HOME is set."""
    home = env_home()
    return os.path.join(os.path.realpath(os.path.expanduser(home)), name) if home else None


def runtime_dir() -> str:
    return _under_home("run") or platform_dirs()["runtime"]


def state_dir() -> str:
    return _under_home("state") or platform_dirs()["state"]


def daemon_endpoint() -> str:
    """A Unix socket path, or `tcp://127.0.0.1:PORT` (from the endpoint file) over TCP."""
    override = env_socket()
    if override:
        return override
    if selected_transport() == TCP:
        try:
            with open(os.path.join(runtime_dir(), ENDPOINT_FILE_NAME), encoding="utf-8") as fh:
                return fh.read().strip() or NO_TCP_ENDPOINT
        except OSError:
            return NO_TCP_ENDPOINT
    return os.path.join(runtime_dir(), SOCKET_NAME)


def read_client_token(path: str | None = None) -> str | None:
    """The TCP client token (`state/client.token`, written by the daemon), or None."""
    try:
        with open(path or os.path.join(state_dir(), CLIENT_TOKEN_NAME), encoding="utf-8") as fh:
            return fh.read().strip() or None
    except OSError:
        return None
