"""The daemon's HTTP API (docs/API.md) as a Starlette app over a `DaemonContext`.

`create_app(ctx, extra_routes)` is the one entry point: the daemon's routes (`routes`,
`approval_routes`), its credential routes (`credentials`), the MCP gateway's (`mcp_routes`) and
any extra ones, each reaching the context as `request.app.state.ctx`; the agent routes are
answered before Starlette's request cycle (`agentroutes`); the client gate stands outside
everything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from approvald.daemon import approval_routes, credentials, mcp_routes, routes
from approvald.daemon.agentroutes import AgentRoutes, Answer, agent_answer, agent_route
from approvald.daemon.context import DaemonContext
from approvald.daemon.http import ApiError, error
from approvald.settings import TCP_PREFIX
from approvald.wire.protocol import CLIENT_HEADER as CLIENT_HEADER_NAME
from approvald.wire.protocol import EXIT_HEADER as EXIT_HEADER_NAME
from approvald.wire.protocol import (
    NONCE_WINDOW_MS,
    STREAM_DIGEST,
    body_digest,
    client_proof,
    nonce_ms,
    same,
    server_proof,
)
from approvald.wire.protocol import SERVER_HEADER as SERVER_HEADER_NAME

log = logging.getLogger("approvald.daemon")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error(exc.status, exc.message, exc.code)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return error(500, f"internal error: {type(exc).__name__}")


CLIENT_HEADER = CLIENT_HEADER_NAME.lower().encode()  # ASGI header names arrive lower-cased
SERVER_HEADER = SERVER_HEADER_NAME.lower().encode()
EXIT_HEADER = EXIT_HEADER_NAME.lower().encode()
HEX = frozenset(b"0123456789abcdef")
SEEN_NONCES_MAX = 200_000


def _request_target(scope: Scope) -> str:
    """The request line's target as the client signed it: raw path, then `?query` if any."""
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    query = scope.get("query_string") or b""
    return (raw_path + b"?" + query if query else raw_path).decode("latin-1")


def _hex(value: bytes, low: int, high: int) -> bool:
    return low <= len(value) <= high and HEX.issuperset(value)


class NonceBook:
    """Nonces seen within the window: a nonce is used once, and one outside the window (by
    the time it carries) is refused, so the book never holds more than a window's worth."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}  # nonce -> its time (ms), in arrival order

    def admit(self, nonce: str) -> str | None:
        """None when `nonce` is fresh (and now spent); else why it is refused."""
        stamp = nonce_ms(nonce)
        now = int(time.time() * 1000)
        if stamp is None or abs(now - stamp) > NONCE_WINDOW_MS:
            return "the request's nonce is not from now (X-Approvald-Client)"
        while self._seen:
            oldest = next(iter(self._seen))
            if now - self._seen[oldest] <= NONCE_WINDOW_MS and len(self._seen) < SEEN_NONCES_MAX:
                break
            del self._seen[oldest]
        if nonce in self._seen:
            return "the request's nonce was used before (X-Approvald-Client)"
        self._seen[nonce] = stamp
        return None


class ClientTokenGate:
    """Every request carrying `X-Approvald-Client: NONCE.HMAC(token, "client:NONCE:METHOD
    TARGET:sha256(body)")` is checked in constant time, its nonce must be from now and unused;
    a wrong one is 401 before any route runs. Over TCP the header is required of every request
    (the hook's too); on the Unix socket (whose permissions already keep other users out) a
    request may come without it and is then answered without proof. Every answer to a proven
    request (errors and the event stream included) carries `X-Approvald-Server: HMAC(token,
    "server:NONCE:STATUS:EXIT:sha256(body)")` (`stream` in place of the digest for the event
    stream), so the client knows this daemon answered this request, with this body. A refused
    request gets no server proof. A plain ASGI wrapper around the whole app (outside
    Starlette's error handling, so 500s carry the proof too)."""

    def __init__(self, app: ASGIApp, token: str, required: bool) -> None:
        self.app = app
        self.token = token
        self.required = required
        self.nonces = NonceBook()

    @staticmethod
    def _header(scope: Scope) -> bytes | None:
        for name, value in scope["headers"]:
            if name == CLIENT_HEADER:
                return bytes(value).strip()
        return None

    def _check(self, scope: Scope, supplied: bytes, body: bytes) -> tuple[str | None, str]:
        return self.check(scope["method"], _request_target(scope), supplied, body)

    def check(self, method: str, target: str, supplied: bytes,
              body: bytes) -> tuple[str | None, str]:
        """(nonce, "") when the proof of `method target` and `body` is right (the nonce is
        spent then), else (None, why)."""
        nonce, _, proof = supplied.partition(b".")
        if not _hex(nonce, 32, 128) or not _hex(proof, 64, 64):
            return None, "the client's proof is malformed (X-Approvald-Client)"
        expected = client_proof(self.token, nonce.decode(), method, target, body_digest(body))
        if not same(proof.decode(), expected):
            return None, "the client's proof is missing or wrong (X-Approvald-Client)"
        why = self.nonces.admit(nonce.decode())
        return (None, why) if why else (nonce.decode(), "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = self._header(scope)
        if supplied is None and not self.required:
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:  # the server hands the body over whole; this reads it to check it
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        nonce, why = self._check(scope, supplied or b"", body) if supplied else (
            None, "the client's proof is missing or wrong (X-Approvald-Client)")
        if nonce is None:
            await error(401, why)(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, _ProvingSender(self.token, nonce, send))


class _ProvingSender:
    """Holds an answer until its body is whole, then sends it with the server's proof; an
    event stream goes out at once, its proof binding `stream` instead of the body."""

    def __init__(self, token: str, nonce: str, send: Send):
        self.token, self.nonce, self.send = token, nonce, send
        self.start: Message | None = None
        self.body = bytearray()
        self.streaming = False

    def _proof(self, digest: str) -> bytes:
        assert self.start is not None
        return _server_proof(self.token, self.nonce, int(self.start["status"]),
                             self.start.get("headers", ()), digest)

    async def _send_start(self, digest: str) -> None:
        assert self.start is not None
        headers = [*self.start.get("headers", ()), (SERVER_HEADER, self._proof(digest))]
        await self.send({**self.start, "headers": headers})

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            content_type = dict(message.get("headers", ())).get(b"content-type", b"")
            self.streaming = bytes(content_type).startswith(b"text/event-stream")
            if self.streaming:
                await self._send_start(STREAM_DIGEST)
            return
        if message["type"] != "http.response.body" or self.streaming:
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if not message.get("more_body", False):
            await self._send_start(body_digest(bytes(self.body)))
            await self.send({"type": "http.response.body", "body": bytes(self.body),
                             "more_body": False})


async def _not_built(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("the app's middleware stack is not built yet")


def _server_proof(token: str, nonce: str, status: int, headers: Any, digest: str) -> bytes:
    exit_code = bytes(dict(headers).get(EXIT_HEADER, b"")).decode("latin-1")
    return server_proof(token, nonce, status, exit_code, digest).encode()


class AgentRequests:
    """The agent routes for the daemon's HTTP server to answer without the ASGI cycle
    (`httpserver.HttpServer(agent=...)`): the same client gate (its nonce book), the same use
    cases and answers as `ClientTokenGate` around `AgentRoutes`. A request this cannot answer
    so (no proof where one is required, a wrong or replayed one) is left to the app, which
    refuses it as before."""

    def __init__(self, gate: ClientTokenGate | None, context: Any):
        self.gate = gate
        self.context = context

    @staticmethod
    def takes(method: str, target: str) -> bool:
        # A target the app would decode or split (percent-escapes, a query) goes to the app.
        return "%" not in target and "?" not in target and agent_route(method, target)[0]

    async def answer(self, method: str, target: str, headers: list[tuple[bytes, bytes]],
                     body: bytes, peer: int | None,
                     disconnected: Callable[[], Awaitable[Any]]) -> Answer | None:
        nonce = None
        if self.gate is not None:
            supplied = next((bytes(v).strip() for k, v in headers if k == CLIENT_HEADER), None)
            if supplied is not None:
                nonce, _ = self.gate.check(method, target, supplied, body)
                if nonce is None:
                    return None
            elif self.gate.required:
                return None
        status, answer_headers, answer = await agent_answer(
            self.context(), method, target, agent_route(method, target)[1], body, peer,
            disconnected)
        if nonce is not None:
            assert self.gate is not None
            answer_headers.append((SERVER_HEADER, _server_proof(
                self.gate.token, nonce, status, answer_headers, body_digest(answer))))
        return status, answer_headers, answer


class GatedStarlette(Starlette):
    """Starlette with the client gate outside everything, its error middleware included."""

    def __init__(self, *args: Any, client_token: str = "", proof_required: bool = True,
                 **kwargs: Any) -> None:
        self.client_token = client_token
        self.proof_required = proof_required
        # One gate (one nonce book) for the app and for the server's agent requests; what it
        # guards is the middleware stack, once Starlette builds it.
        self.gate = (ClientTokenGate(_not_built, client_token, proof_required)
                     if client_token else None)
        super().__init__(*args, **kwargs)
        self.agent_requests = AgentRequests(self.gate, lambda: self.state.ctx)

    def build_middleware_stack(self) -> ASGIApp:
        stack: ASGIApp = AgentRoutes(super().build_middleware_stack(), lambda: self.state.ctx)
        if self.gate is None:
            return stack
        self.gate.app = stack
        return self.gate


def create_app(ctx: DaemonContext, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    app = GatedStarlette(
        routes=[*routes.routes(), *approval_routes.routes(), *credentials.routes(),
                *mcp_routes.routes(), *extra_routes],
        exception_handlers={ApiError: _api_error, Exception: _internal_error},
        client_token=ctx.client_token,
        proof_required=ctx.socket.startswith(TCP_PREFIX),
    )
    app.state.ctx = ctx
    return app
