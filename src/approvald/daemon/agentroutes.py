"""The agent routes (`/v1/hook/AGENT`, `/v1/decide`), answered straight from ASGI.

Every tool call of every agent passes here, many at once when agents are busy, and
Starlette's request cycle (its middleware, router, Request and Response objects) costs more
than the route's own work. This layer answers `POST` on those two routes with the same use
cases as the app's routes (`routes.hook_answer`, `routes.decide_answer`), the same body cap
and the same error answers, and passes every other request on to the app. It sits inside the
client gate (`app.ClientTokenGate`): proofs are checked, and answers proven, as for any route.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from approvald.daemon import routes
from approvald.daemon.context import DaemonContext
from approvald.daemon.http import MAX_BODY, ApiError
from approvald.daemon.httpserver import PEER_EXTENSION
from approvald.wire.protocol import DECIDE_ROUTE, HOOK_ROUTE

log = logging.getLogger("approvald.daemon")

ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


def _json(value: Any) -> bytes:
    """As Starlette's JSONResponse renders it."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")


class AgentRoutes:
    def __init__(self, app: ASGIApp, context: Callable[[], DaemonContext]):
        self.app = app
        self.context = context

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            ours, agent = agent_route(scope["method"], scope["path"])
            if ours:
                await self._answer(scope, receive, send, agent)
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Any, receive: Any, send: Any, agent: str | None) -> None:
        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        try:
            body = await _body(receive)
        except ApiError as exc:
            status, headers, answer = _error(exc)
        else:
            peer = getattr(scope.get("extensions", {}).get(PEER_EXTENSION), "pid", None)
            status, headers, answer = await agent_answer(
                self.context(), scope["method"], scope["path"], agent, body, peer, disconnected)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer, "more_body": False})


def agent_route(method: str, path: str) -> tuple[bool, str | None]:
    """(whether this layer answers `method path`, the agent's name for a hook route)."""
    if method == "POST":
        agent = path[len(HOOK_ROUTE):] if path.startswith(HOOK_ROUTE) else None
        if path == DECIDE_ROUTE or (agent and "/" not in agent):
            return True, agent
    return False, None


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


async def agent_answer(ctx: DaemonContext, method: str, path: str, agent: str | None,
                       body: bytes, peer: int | None,
                       disconnected: Callable[[], Awaitable[Any]]) -> Answer:
    """(status, headers, body) of an agent route's answer, whatever server carried the
    request (this ASGI layer, or the daemon's HTTP server straight: app.AgentRequests)."""
    headers: dict[str, str] = {}
    try:
        if len(body) > MAX_BODY:
            raise ApiError(413, f"request body too large (over {MAX_BODY // 1024} KiB)")
        if agent is None:
            answer = _json(await routes.decide_answer(ctx, body, disconnected))
        else:
            text, headers = await routes.hook_answer(ctx, agent, body, peer, disconnected)
            answer = text.encode("utf-8")
        status = 200
    except ApiError as exc:
        return _error(exc)
    except Exception as exc:
        log.exception("internal error on %s %s", method, path)
        status, answer = 500, _json({"error": f"internal error: {type(exc).__name__}"})
    return status, [(b"content-length", str(len(answer)).encode()),
                    (b"content-type", b"application/json"),
                    *((name.lower().encode("latin-1"), value.encode("latin-1"))
                      for name, value in headers.items())], answer


def _error(exc: ApiError) -> Answer:
    answer = _json({"error": exc.message, **({"code": exc.code} if exc.code else {})})
    return exc.status, [(b"content-length", str(len(answer)).encode()),
                        (b"content-type", b"application/json")], answer


async def _body(receive: Any) -> bytes:
    """The whole request body; 413 past MAX_BODY."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ApiError(400, "the client went away before its request was whole")
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            raise ApiError(413, f"request body too large (over {MAX_BODY // 1024} KiB)")
        if not message.get("more_body", False):
            return bytes(body)
