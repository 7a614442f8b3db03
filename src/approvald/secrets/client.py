"""How `secrets`, `lease` and `exec` reach the daemon's credential endpoints.

Through the hook's small standard-library HTTP transport (`approvald.hook.transport`, Unix
socket or `tcp://127.0.0.1:PORT`): no heavy import on the CLI's path. Every endpoint used here is
an operator endpoint, so the token in `paths.token_file` goes along.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from approvald.paths import Paths

NO_DAEMON = "no daemon: start `approvald daemon`"


class NoDaemon(Exception):
    def __init__(self, message: str = NO_DAEMON):
        super().__init__(message)


class DaemonError(Exception):
    """The daemon answered with an error: `status` and its one-sentence message."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


def segment(text: str) -> str:
    """`text` as one URL path segment."""
    return quote(text, safe="")


def read_token(paths: Paths) -> str:
    try:
        return paths.token_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise NoDaemon() from exc  # no daemon ever ran in this home
    except OSError as exc:
        raise NoDaemon(f"{NO_DAEMON} (cannot read the operator token: {exc.strerror})") from exc


def request(paths: Paths, method: str, path: str, body: dict[str, Any] | None = None,
            *, timeout: float = 15.0) -> dict[str, Any]:
    """One call to the daemon. Raises NoDaemon when none answers, DaemonError on 4xx/5xx."""
    from approvald.hook.transport import DaemonTimeout, DaemonUnavailable, ProtocolError
    from approvald.hook.transport import request as send

    token = read_token(paths)  # no token file: no daemon ever ran in this home
    try:
        response = send(paths.socket, method, path, body, token=token, timeout=timeout)
    except DaemonTimeout as exc:
        raise DaemonError(504, f"the daemon did not answer within {timeout:g} s") from exc
    except DaemonUnavailable as exc:
        raise NoDaemon() from exc
    except ProtocolError as exc:
        raise DaemonError(502, f"the daemon's answer is not HTTP ({exc})") from exc
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {"result": data}
    if response.status >= 400:
        message = data.get("error") or f"the daemon answered HTTP {response.status}"
        code = data.get("code")
        raise DaemonError(response.status, str(message), code if isinstance(code, str) else None)
    return data
