"""The daemon's HTTP API (docs/API.md) as a Starlette app over a `DaemonContext`.

`create_app(ctx, extra_routes)` is the one entry point: the daemon's routes (`routes`), its
credential routes (`credentials`) and any extra ones, each reaching the context as
`request.app.state.ctx`; over TCP the client gate stands outside everything.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from approvald.daemon import credentials, routes
from approvald.daemon.context import DaemonContext
from approvald.daemon.http import ApiError, error
from approvald.wire.protocol import CLIENT_HEADER as CLIENT_HEADER_NAME
from approvald.wire.protocol import SERVER_HEADER as SERVER_HEADER_NAME
from approvald.wire.protocol import client_proof, server_proof

log = logging.getLogger("approvald.daemon")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error(exc.status, exc.message, exc.code)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return error(500, f"internal error: {type(exc).__name__}")


CLIENT_HEADER = CLIENT_HEADER_NAME.lower().encode()  # ASGI header names arrive lower-cased
SERVER_HEADER = SERVER_HEADER_NAME.lower().encode()
HEX = frozenset(b"0123456789abcdef")


def _request_target(scope: Scope) -> str:
    """The request line's target as the client signed it: raw path, then `?query` if any."""
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    query = scope.get("query_string") or b""
    return (raw_path + b"?" + query if query else raw_path).decode("latin-1")


def _hex(value: bytes, low: int, high: int) -> bool:
    return low <= len(value) <= high and HEX.issuperset(value)


class ClientTokenGate:
    """Over TCP, every request (the hook's too) must prove it knows the client token without
    sending it: `X-Approvald-Client: NONCE.HMAC(token, "client:NONCE:METHOD TARGET")`, checked
    in constant time; else 401 before any route runs. Every answer to a proven request (errors
    and the event stream included) then carries `X-Approvald-Server: HMAC(token,
    "server:NONCE")`, so the client knows it reached this daemon and not whatever took a dead
    daemon's port. A refused request gets no server proof: the daemon proves itself only to
    callers that proved themselves. A plain ASGI wrapper around the whole app (outside
    Starlette's error handling, so 500s carry the proof too): it never buffers bodies or
    streams, so waiting requests and the event stream behave exactly as without it."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    def _nonce(self, scope: Scope) -> str | None:
        """The request's nonce when its proof is right, else None."""
        supplied = b""
        for name, value in scope["headers"]:
            if name == CLIENT_HEADER:
                supplied = value.strip()
                break
        nonce, _, proof = supplied.partition(b".")
        if not _hex(nonce, 16, 128) or not _hex(proof, 64, 64):
            return None
        expected = client_proof(self.token, nonce.decode(), scope["method"],
                                _request_target(scope))
        return nonce.decode() if hmac.compare_digest(proof, expected.encode()) else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = self._nonce(scope)
        if nonce is None:
            await error(401, "the client's proof is missing or wrong (X-Approvald-Client)")(
                scope, receive, send)
            return
        proof = server_proof(self.token, nonce).encode()

        async def send_with_proof(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (SERVER_HEADER, proof)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_proof)


class GatedStarlette(Starlette):
    """Starlette with the client gate outside everything, its error middleware included."""

    def __init__(self, *args: Any, client_token: str = "", **kwargs: Any) -> None:
        self.client_token = client_token
        super().__init__(*args, **kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        return ClientTokenGate(stack, self.client_token) if self.client_token else stack


def create_app(ctx: DaemonContext, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    app = GatedStarlette(
        routes=[*routes.routes(), *credentials.routes(), *extra_routes],
        exception_handlers={ApiError: _api_error, Exception: _internal_error},
        client_token=ctx.client_token,
    )
    app.state.ctx = ctx
    return app
