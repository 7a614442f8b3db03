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
        if scope["type"] == "http" and scope["method"] == "POST":
            path = scope["path"]
            agent = path[len(HOOK_ROUTE):] if path.startswith(HOOK_ROUTE) else None
            if path == DECIDE_ROUTE or (agent and "/" not in agent):
                await self._answer(scope, receive, send, agent)
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Any, receive: Any, send: Any, agent: str | None) -> None:
        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        headers: dict[str, str] = {}
        try:
            body = await _body(receive)
            ctx = self.context()
            if agent is None:
                answer = _json(await routes.decide_answer(ctx, body, disconnected))
            else:
                peer = getattr(scope.get("extensions", {}).get(PEER_EXTENSION), "pid", None)
                text, headers = await routes.hook_answer(ctx, agent, body, peer, disconnected)
                answer = text.encode("utf-8")
            status = 200
        except ApiError as exc:
            status = exc.status
            answer = _json({"error": exc.message, **({"code": exc.code} if exc.code else {})})
        except Exception as exc:
            log.exception("internal error on %s %s", scope["method"], scope["path"])
            status, answer = 500, _json({"error": f"internal error: {type(exc).__name__}"})
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-length", str(len(answer)).encode()),
            (b"content-type", b"application/json"),
            *((name.lower().encode("latin-1"), value.encode("latin-1"))
              for name, value in headers.items())]})
        await send({"type": "http.response.body", "body": answer, "more_body": False})


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
