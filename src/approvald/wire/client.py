"""The synchronous daemon client: every CLI command that talks to the daemon uses this one.

It speaks through the hook's small standard-library transport (`approvald.wire.transport`, a
Unix socket or `tcp://127.0.0.1:PORT`), so no heavy import lands on the CLI's path. Operator
routes carry the operator token (`paths.token_file`); over TCP every request also carries the
client proof. Every failure is one of `approvald.wire.errors`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from approvald.paths import Paths, get_paths
from approvald.wire.errors import ApiError, DaemonUnavailable, ProtocolError
from approvald.wire.protocol import STATUS_ROUTE
from approvald.wire.transport import Response, request

DEFAULT_TIMEOUT_S = 10.0


def segment(text: str) -> str:
    """`text` as one URL path segment."""
    return quote(text, safe="")


def api_error(response: Response) -> ApiError:
    """The daemon's refusal as an ApiError (its sentence, status and code)."""
    try:
        doc = response.json()
    except ValueError:
        doc = None
    code = doc.get("code") if isinstance(doc, dict) else None
    return ApiError(response.error_message(), response.status,
                    code if isinstance(code, str) else None)


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

    def _operator_token(self) -> str | None:
        """The operator token, if this home has one (a daemon that never ran made none: the
        request goes anyway, and whatever answers says what it is)."""
        try:
            return self.paths.token_file.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def _client_token(self, endpoint: str) -> str:
        """This home's client token ("" when there is none: never another home's). Over TCP
        a request without it is refused; on a Unix socket it still proves the answers."""
        try:
            return self.paths.client_token_file.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def call(self, method: str, path: str, body: object = None, *, operator: bool = True) -> Any:
        """One request; the answer's JSON. Raises the `approvald.wire.errors` tree."""
        endpoint = self.endpoint
        token = self._operator_token() if operator else None
        try:
            response = request(endpoint, method, path, body, token=token,
                               client_token=self._client_token(endpoint), timeout=self.timeout)
        except DaemonUnavailable as exc:
            raise type(exc)(f"no daemon is running for {self.paths.home} ({exc})") from exc
        if response.status >= 400:
            raise api_error(response)
        try:
            return response.json()
        except ValueError as exc:
            raise ProtocolError(f"the daemon's answer is not JSON ({exc})") from exc

    def _object(self, method: str, path: str, body: object = None, *,
                operator: bool = True) -> dict[str, Any]:
        doc = self.call(method, path, body, operator=operator)
        if not isinstance(doc, dict):
            raise ProtocolError(f"the daemon's answer to {method} {path} is not an object")
        return doc

    def _list(self, path: str, key: str) -> list[dict[str, Any]]:
        items = self._object("GET", path).get(key)
        if not isinstance(items, list):
            raise ProtocolError(f"the daemon's {key} are not a list")
        return items

    # -- status and approvals ---------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return self._object("GET", STATUS_ROUTE, operator=False)

    def approvals(self, status: str = "pending", limit: int = 1000) -> list[dict[str, Any]]:
        return self._list(f"/v1/approvals?{urlencode({'status': status, 'limit': limit})}",
                          "approvals")

    def approval(self, approval_id: str) -> dict[str, Any]:
        return self._object("GET", f"/v1/approvals/{segment(approval_id)}")

    def approve(self, approval_id: str, scope: str = "once", by: str = "cli",
                always: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"scope": scope, "by": by}
        if always:
            body["always"] = True
        return self._object("POST", f"/v1/approvals/{segment(approval_id)}/approve", body)

    def proposal(self, approval_id: str) -> dict[str, Any]:
        """The rule "allow commands like this" would write for a pending approval."""
        return self._object("GET", f"/v1/approvals/{segment(approval_id)}/proposal")

    def deny(self, approval_id: str, reason: str | None = None,
             by: str = "cli") -> dict[str, Any]:
        return self._object("POST", f"/v1/approvals/{segment(approval_id)}/deny",
                            {"reason": reason, "by": by})

    def revoke(self, approval_id: str, by: str = "cli") -> dict[str, Any]:
        return self._object("POST", f"/v1/approvals/{segment(approval_id)}/revoke", {"by": by})

    def grants(self, standing_only: bool = True) -> list[dict[str, Any]]:
        return self._list(f"/v1/grants?status={'standing' if standing_only else 'all'}",
                          "grants")

    def reload_policy(self) -> dict[str, Any]:
        return self._object("POST", "/v1/policy/reload", {})

    # -- credentials ------------------------------------------------------------------------

    def secrets(self) -> list[dict[str, Any]]:
        return self._list("/v1/secrets", "secrets")

    def secret_stored(self, name: str, description: str | None) -> dict[str, Any]:
        return self._object("POST", f"/v1/secrets/{segment(name)}/meta",
                            {"description": description})

    def secret_removed(self, name: str) -> dict[str, Any]:
        return self._object("DELETE", f"/v1/secrets/{segment(name)}/meta")

    def create_lease(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._object("POST", "/v1/leases", body)

    def leases(self, include_inactive: bool = False) -> list[dict[str, Any]]:
        return self._list(f"/v1/leases?status={'all' if include_inactive else 'active'}",
                          "leases")

    def lease(self, lease_id: str) -> dict[str, Any]:
        return self._object("GET", f"/v1/leases/{segment(lease_id)}")

    def revoke_lease(self, lease_id: str, by: str = "cli") -> dict[str, Any]:
        return self._object("POST", f"/v1/leases/{segment(lease_id)}/revoke", {"by": by})

    def resolve_leases(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._object("POST", "/v1/leases/resolve", body)

    # -- MCP tool pins ----------------------------------------------------------------------

    def pins(self, server: str | None = None) -> list[dict[str, Any]]:
        query = f"?{urlencode({'server': server})}" if server else ""
        return self._list(f"/v1/mcp/pins{query}", "pins")

    def accept_pins(self, server: str, tool: str | None = None,
                    by: str = "cli") -> list[dict[str, Any]]:
        doc = self._object("POST", "/v1/mcp/pins/accept",
                           {"server": server, "tool": tool, "by": by})
        accepted = doc.get("accepted")
        if not isinstance(accepted, list):
            raise ProtocolError("the daemon's accepted pins are not a list")
        return accepted
