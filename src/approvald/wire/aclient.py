"""The asynchronous daemon client (httpx): the dashboard's and the MCP gateway's way in.

It speaks the daemon's API over its Unix socket (`/path/to.sock`) or loopback TCP
(`tcp://127.0.0.1:PORT`: on Windows, or with APPROVALD_TRANSPORT=tcp). Over TCP each side proves
it knows the client token without sending it (docs/API.md, "Transports"): an answer without the
daemon's proof counts as no daemon at all. Every failure is one of `approvald.wire.errors`.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from approvald.settings import TCP_PREFIX
from approvald.wire.errors import (
    ApiError,
    DaemonError,
    DaemonTimeout,
    DaemonUnavailable,
    ProtocolError,
    UnprovenDaemon,
)
from approvald.wire.protocol import (
    CLIENT_HEADER,
    CLIENT_TOKEN_NAME,
    EXIT_HEADER,
    SERVER_HEADER,
    STREAM_DIGEST,
    body_digest,
    client_proof,
    new_nonce,
    same,
    server_proof,
)

# httpcore imports `sniffio` on every request to learn which async library runs it; sniffio is
# no longer installed with anyio 4, and each failed import searches sys.path again (measured:
# about half a millisecond of every gateway call). Remember the miss once, so the import fails
# at once, as it would anyway.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

# The daemon pings the event stream every 15 s; three missed pings mean it is gone.
EVENT_READ_TIMEOUT_S = 45.0
REQUEST_TIMEOUT_S = 5.0
UNPROVEN = ("no daemon answers (what answered on its port did not prove it is this home's "
            "daemon)")


def parse_sse_lines(lines: list[str]) -> dict[str, Any] | None:
    """One server-sent event block (the lines before a blank line) -> its JSON data.

    Comment lines (`: ping`) and blocks without data give None. The `event:` name fills
    `type` when the data forgot it.
    """
    name = ""
    data: list[str] = []
    for line in lines:
        if not line or line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    if not data:
        return None
    try:
        doc = json.loads("\n".join(data))
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    if name and "type" not in doc:
        doc["type"] = name
    return doc


def read_token(token_file: Path) -> str | None:
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return token or None


class AsyncDaemonClient:
    """The daemon's API over its Unix socket (`/path/to.sock`) or `tcp://127.0.0.1:PORT`.

    The operator token is re-read from `token_file` whenever the daemon says 401: a daemon
    started after the dashboard creates the token then. Over TCP every request also proves the
    client token (`client_token_file`, by default `client.token` beside `token_file`: both
    live in the state directory) and every answer must prove it back; an unproven answer makes
    it re-read the token once (each daemon start makes a new one), then count as no daemon.
    """

    def __init__(self, endpoint: str, token_file: Path | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 client_token_file: Path | None = None) -> None:
        self.endpoint = endpoint
        self.token_file = token_file
        self._token = read_token(token_file) if token_file else None
        # Both transports: the daemon proves every answer to a proven request (and over TCP
        # every request must be proven).
        self.client_token_file: Path | None = client_token_file or (
            token_file.with_name(CLIENT_TOKEN_NAME) if token_file else None)
        self._client_token = (read_token(self.client_token_file)
                              if self.client_token_file else None)
        # Plain http:// over a Unix socket or loopback TCP, never TLS (the proofs guard it):
        # without `verify=False` the transport builds a default SSL context it never uses,
        # about 50 ms of every dashboard start.
        if endpoint.startswith(TCP_PREFIX):
            base_url = "http://" + endpoint[len(TCP_PREFIX):]
            transport = transport or httpx.AsyncHTTPTransport(verify=False)
        else:
            base_url = "http://approvald"
            transport = transport or httpx.AsyncHTTPTransport(uds=endpoint, verify=False)
        self._http = httpx.AsyncClient(
            transport=transport, base_url=base_url, timeout=REQUEST_TIMEOUT_S
        )

    def _headers(self) -> dict[str, str]:
        if self._token is None and self.token_file is not None:
            self._token = read_token(self.token_file)
        if self._client_token is None and self.client_token_file is not None:
            self._client_token = read_token(self.client_token_file)
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def _forget_tokens(self) -> None:
        """After a 401 or an unproven answer: read both tokens again (a restarted daemon made
        a new client token, and may have made the operator token)."""
        self._token = None
        self._client_token = None

    def _build(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Request, str | None]:
        """The request, signed over TCP (`X-Approvald-Client`); and the nonce to check the
        answer's proof against (None on a Unix socket, which needs no proof)."""
        request = self._http.build_request(method, path, headers=self._headers(), **kwargs)
        tcp = self.endpoint.startswith(TCP_PREFIX)
        if not tcp and not self._client_token:
            return request, None  # a Unix socket without a token file: unproven both ways
        nonce = new_nonce()
        if self._client_token:
            target = request.url.raw_path.decode("ascii")
            proof = client_proof(self._client_token, nonce, request.method, target,
                                 body_digest(request.content))
            request.headers[CLIENT_HEADER] = f"{nonce}.{proof}"
        return request, nonce

    def _check_proof(self, response: httpx.Response, nonce: str | None,
                     stream: bool = False) -> None:
        """Unproven unless the answer carries the daemon's proof for `nonce`, its status, exit
        code and body (`stream`: the event stream, whose body is not bound); without a client
        token nothing can prove itself."""
        if nonce is None:
            return
        token = self._client_token
        supplied = response.headers.get(SERVER_HEADER, "")
        digest = STREAM_DIGEST if stream else body_digest(response.content)
        if not token or not same(supplied, server_proof(
                token, nonce, response.status_code, response.headers.get(EXIT_HEADER, ""),
                digest)):
            raise UnprovenDaemon(UNPROVEN)

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in (1, 2):
            request, nonce = self._build(method, path, **kwargs)
            try:
                response = await self._http.send(request)
            except httpx.HTTPError as exc:
                raise _unavailable(exc) from exc
            retry = attempt == 1 and (self.token_file is not None
                                      or self.client_token_file is not None)
            try:
                self._check_proof(response, nonce)
            except UnprovenDaemon:
                if retry:
                    self._forget_tokens()
                    continue
                raise
            if response.status_code == 401 and retry:
                self._forget_tokens()
                continue
            break
        if response.status_code >= 400:
            raise _api_error(response)
        try:
            return response.json()
        except ValueError as exc:
            raise ProtocolError("the daemon sent something that is not JSON") from exc

    async def status(self) -> dict[str, Any]:
        doc = await self._request("GET", "/v1/status")
        return doc if isinstance(doc, dict) else {}

    async def approvals(self, status: str = "pending", limit: int | None = None) -> list[
            dict[str, Any]]:
        params: dict[str, Any] = {"status": status}
        if limit is not None:
            params["limit"] = limit
        doc = await self._request("GET", "/v1/approvals", params=params)
        items = doc.get("approvals", []) if isinstance(doc, dict) else []
        return [item for item in items if isinstance(item, dict)]

    async def activity(self, limit: int = 500) -> list[dict[str, Any]]:
        doc = await self._request("GET", "/v1/activity", params={"limit": limit})
        items = doc.get("events", []) if isinstance(doc, dict) else []
        return [item for item in items if isinstance(item, dict)]

    async def approve(self, approval_id: str, scope: str, always: bool = False
                      ) -> dict[str, Any]:
        body: dict[str, Any] = {"scope": scope, "by": "dashboard"}
        if always:
            body["always"] = True
        doc = await self._request("POST", f"/v1/approvals/{approval_id}/approve", json=body)
        return doc if isinstance(doc, dict) else {}

    async def explain(self, approval_id: str) -> dict[str, Any]:
        """The approval's commands (each with its directory and rules) and the proposed rule."""
        doc = await self._request("GET", f"/v1/approvals/{approval_id}/explain")
        return doc if isinstance(doc, dict) else {}

    async def grants(self, status: str = "standing") -> list[dict[str, Any]] | None:
        return await self._optional_list(f"/v1/grants?status={status}", "grants")

    async def revoke_grant(self, approval_id: str) -> dict[str, Any]:
        doc = await self._request("POST", f"/v1/approvals/{approval_id}/revoke",
                                  json={"by": "dashboard"})
        return doc if isinstance(doc, dict) else {}

    async def deny(self, approval_id: str, reason: str | None) -> dict[str, Any]:
        doc = await self._request("POST", f"/v1/approvals/{approval_id}/deny",
                                  json={"reason": reason, "by": "dashboard"})
        return doc if isinstance(doc, dict) else {}

    async def _optional_list(self, path: str, key: str) -> list[dict[str, Any]] | None:
        # Extras (leases, findings) never cost the dashboard its connection: a daemon without
        # them, or with them broken, leaves those tabs to the event stream.
        try:
            doc = await self._request("GET", path)
        except DaemonError:
            return None
        items = doc.get(key) if isinstance(doc, dict) else None
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else None

    async def leases(self) -> list[dict[str, Any]] | None:
        return await self._optional_list("/v1/leases?status=active", "leases")

    async def findings(self) -> list[dict[str, Any]] | None:
        return await self._optional_list("/v1/findings", "findings")

    async def sessions(self) -> list[dict[str, Any]] | None:
        return await self._optional_list("/v1/sessions", "sessions")

    async def revoke_lease(self, lease_id: str) -> dict[str, Any]:
        doc = await self._request("POST", f"/v1/leases/{lease_id}/revoke",
                                  json={"by": "dashboard"})
        return doc if isinstance(doc, dict) else {}

    # -- the MCP gateway's side (docs/API.md, "The MCP gateway") -----------------------------

    async def decide(self, action: dict[str, Any], *, wait: bool = True,
                     floor: dict[str, str] | None = None,
                     timeout: float | None = None) -> dict[str, Any]:
        """`POST /v1/decide` for approvald's action JSON. With `wait` the answer comes when a
        person decides, so give a `timeout` past the daemon's approval timeout (None: no
        limit). `floor` `{"rule": "mcp-...", "reason"}` makes an ALLOW ask a person."""
        body: dict[str, Any] = {"action": action, "wait": wait}
        if floor is not None:
            body["floor"] = floor
        doc = await self._request("POST", "/v1/decide", json=body,
                                  timeout=httpx.Timeout(REQUEST_TIMEOUT_S, read=timeout))
        if not isinstance(doc, dict) or "decision" not in doc:
            raise ProtocolError("the daemon's decision is not an object with a decision")
        return doc

    async def observe_pins(self, body: dict[str, Any]) -> dict[str, Any]:
        doc = await self._request("POST", "/v1/mcp/pins/observe", json=body)
        return doc if isinstance(doc, dict) else {}

    async def mcp_report(self, record: dict[str, Any]) -> None:
        await self._request("POST", "/v1/mcp/report", json=record)

    async def redact(self, value: Any) -> Any:
        doc = await self._request("POST", "/v1/redact", json={"value": value},
                                  timeout=httpx.Timeout(REQUEST_TIMEOUT_S, read=60.0))
        if not isinstance(doc, dict) or "value" not in doc:
            raise ProtocolError("the daemon's redaction answer has no value")
        return doc["value"]

    async def resolve_leases(self, body: dict[str, Any]) -> dict[str, Any]:
        doc = await self._request("POST", "/v1/leases/resolve", json=body)
        return doc if isinstance(doc, dict) else {}

    async def pins(self, server: str | None = None) -> list[dict[str, Any]] | None:
        path = "/v1/mcp/pins" + (f"?server={quote(server, safe='')}" if server else "")
        return await self._optional_list(path, "pins")

    async def accept_pins(self, server: str, tool: str | None = None) -> list[dict[str, Any]]:
        doc = await self._request("POST", "/v1/mcp/pins/accept",
                                  json={"server": server, "tool": tool, "by": "dashboard"})
        items = doc.get("accepted") if isinstance(doc, dict) else None
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        timeout = httpx.Timeout(REQUEST_TIMEOUT_S, read=EVENT_READ_TIMEOUT_S)
        request, nonce = self._build("GET", "/v1/events", timeout=timeout)
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise _unavailable(exc) from exc
        try:
            try:
                self._check_proof(response, nonce, stream=True)
            except UnprovenDaemon:
                self._forget_tokens()  # the next connection reads a new daemon's token
                raise
            if response.status_code == 401:
                self._forget_tokens()
            if response.status_code >= 400:
                await response.aread()
                raise _api_error(response)
            block: list[str] = []
            async for line in response.aiter_lines():
                if line:
                    block.append(line)
                    continue
                event = parse_sse_lines(block)
                block = []
                if event is not None:
                    yield event
        except httpx.HTTPError as exc:
            raise _unavailable(exc) from exc
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()


def _unavailable(exc: httpx.HTTPError) -> DaemonUnavailable:
    if isinstance(exc, httpx.TimeoutException):
        return DaemonTimeout("the daemon did not answer in time")
    if isinstance(exc, httpx.ConnectError):
        return DaemonUnavailable("no daemon answers")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        return DaemonUnavailable("the connection to the daemon was lost")
    return DaemonUnavailable(str(exc) or type(exc).__name__)


def _api_error(response: httpx.Response) -> ApiError:
    try:
        doc = response.json()
    except ValueError:
        doc = None
    message = f"the daemon answered HTTP {response.status_code}"
    code = None
    if isinstance(doc, dict):
        if isinstance(doc.get("error"), str):
            message = doc["error"]
        if isinstance(doc.get("code"), str):
            code = doc["code"]
    return ApiError(message, response.status_code, code)
