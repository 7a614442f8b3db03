"""The operator's client for the daemon API (CLI commands): standard library only.

It reads the operator token from paths.token_file and speaks through the same small transport
as the hook (approvald.hook.transport); over TCP it also sends the client token
(paths.client_token_file) that every TCP request needs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from approvald.hook.transport import (
    TCP_PREFIX,
    DaemonUnavailable,
    ProtocolError,
    Response,
    request,
)
from approvald.paths import Paths, get_paths

DEFAULT_TIMEOUT_S = 10.0


class ClientError(Exception):
    """The daemon said no (`status` is its HTTP status) or answered nonsense."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class NotRunning(ClientError):
    """No daemon answers at the endpoint."""


class DaemonClient:
    def __init__(self, paths: Paths | None = None, endpoint: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S):
        self.paths = paths or get_paths()
        self._endpoint = endpoint
        self.timeout = timeout

    @property
    def endpoint(self) -> str:
        """The given endpoint, else the home's, looked up on each call: a TCP daemon writes
        its port when it starts, and a new port each time."""
        return self._endpoint or self.paths.socket

    def _token(self) -> str | None:
        try:
            return self.paths.token_file.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def _client_token(self, endpoint: str) -> str | None:
        """This home's client token over TCP ("" when there is none: never another home's)."""
        if not endpoint.startswith(TCP_PREFIX):
            return None
        try:
            return self.paths.client_token_file.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def call(self, method: str, path: str, body: object = None, *, operator: bool = True) -> Any:
        endpoint = self.endpoint
        try:
            response: Response = request(endpoint, method, path, body,
                                         token=self._token() if operator else None,
                                         client_token=self._client_token(endpoint),
                                         timeout=self.timeout)
        except DaemonUnavailable as exc:
            raise NotRunning(f"no daemon is running for {self.paths.home} ({exc})") from exc
        except ProtocolError as exc:
            raise ClientError(str(exc)) from exc
        if response.status >= 400:
            raise ClientError(response.error_message(), response.status)
        try:
            return response.json()
        except ValueError as exc:
            raise ClientError(f"the daemon's answer is not JSON ({exc})") from exc

    # -- endpoints --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        doc = self.call("GET", "/v1/status", operator=False)
        if not isinstance(doc, dict):
            raise ClientError("the daemon's status is not an object")
        return doc

    def approvals(self, status: str = "pending", limit: int = 1000) -> list[dict[str, Any]]:
        query = urlencode({"status": status, "limit": limit})
        doc = self.call("GET", f"/v1/approvals?{query}")
        items = doc.get("approvals") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise ClientError("the daemon's approval list is not a list")
        return items

    def approval(self, approval_id: str) -> dict[str, Any]:
        doc = self.call("GET", f"/v1/approvals/{quote(approval_id, safe='')}")
        return doc if isinstance(doc, dict) else {}

    def approve(self, approval_id: str, scope: str = "once", by: str = "cli") -> dict[str, Any]:
        doc = self.call("POST", f"/v1/approvals/{quote(approval_id, safe='')}/approve",
                        {"scope": scope, "by": by})
        return doc if isinstance(doc, dict) else {}

    def deny(self, approval_id: str, reason: str | None = None, by: str = "cli") -> dict[str, Any]:
        doc = self.call("POST", f"/v1/approvals/{quote(approval_id, safe='')}/deny",
                        {"reason": reason, "by": by})
        return doc if isinstance(doc, dict) else {}

    def reload_policy(self) -> dict[str, Any]:
        doc = self.call("POST", "/v1/policy/reload", {})
        return doc if isinstance(doc, dict) else {}
