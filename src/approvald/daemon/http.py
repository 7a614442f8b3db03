"""What every route shares: the refusal (`ApiError`), the operator check and the body reader.

Every route module (`routes`, `credentials`) uses these; `app` turns an ApiError into
`{"error": sentence, "code"?: ...}` with its status.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from approvald.daemon.context import DaemonContext
from approvald.daemon.httpserver import PEER_EXTENSION
from approvald.model import events
from approvald.model.decisions import BY_CLI, BY_DASHBOARD
from approvald.wire import jsontext

log = logging.getLogger("approvald.daemon")

MAX_BODY = 32 * 1024 * 1024  # above the hook's 20 MB payload cap plus JSON overhead


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def error(status: int, message: str, code: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if code:
        body["code"] = code
    return JSONResponse(body, status_code=status)


def context(request: Request) -> DaemonContext:
    ctx: DaemonContext = request.app.state.ctx
    return ctx


def peer_pid(request: Request) -> int | None:
    """The process that sent this request (None in-process, or when it cannot be told)."""
    peer = request.scope.get("extensions", {}).get(PEER_EXTENSION)
    return getattr(peer, "pid", None)


def require_operator(request: Request, *, agents_may: bool = False) -> None:
    """The operator's token (state/operator.token), compared in constant time; then, unless
    `agents_may` (an agent's own use of a lease the person gave it), the sending process must
    not be an agent's (approvald.daemon.guard): 403, audited."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    ctx = context(request)
    expected = ctx.token
    if scheme.lower() != "bearer" or not expected or not hmac.compare_digest(
            token.strip().encode(), expected.encode()):
        raise ApiError(401, "the operator's token is required (Authorization: Bearer ...)")
    if agents_may:
        return
    refusal = ctx.guard.refusal(peer_pid(request))
    if refusal is not None:
        log.warning("refused %s %s: %s", request.method, request.url.path, refusal.reason)
        ctx.audit.append({"event": events.OPERATOR_REFUSED, "method": request.method,
                          "path": request.url.path, "peer_pid": refusal.peer,
                          "agent_pid": refusal.agent, "reason": refusal.reason})
        raise ApiError(403, refusal.reason, "agent_is_not_operator")


def surface(request: Request) -> str:
    """Who decides, from the surface itself: the dashboard is the process holding an event
    stream open; any other operator process is the CLI. Never from the request body."""
    pid = peer_pid(request)
    return BY_DASHBOARD if pid is not None and pid in context(request).dashboards else BY_CLI


async def read_body(request: Request, max_body: int = MAX_BODY) -> bytes:
    """The request body; 413 past `max_body` bytes (counted as it comes, never buffered past
    the cap)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_body:
        raise ApiError(413, f"request body too large (over {max_body // 1024} KiB)")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_body:
            raise ApiError(413, f"request body too large (over {max_body // 1024} KiB)")
    return bytes(body)


async def read_json(request: Request, max_body: int = MAX_BODY) -> dict[str, Any]:
    """The request body as a JSON object ({} when empty); 413 past `max_body` bytes; 400, with
    one line saying why, for anything that is not strict JSON text: NaN and Infinity, and
    lone surrogates (valid as escapes, but no Unicode text), included."""
    body = await read_body(request, max_body)
    return parse_json_object(body) if body else {}


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Strict JSON text holding an object (`approvald.wire.jsontext`), else ApiError 400 with a
    one-line reason."""
    try:
        return jsontext.loads_object(body)
    except jsontext.JsonTextError as exc:
        raise ApiError(400, f"request body {exc}") from None


def string_field(doc: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    """`doc[key]` when it is a string (None when absent and not required); else 400."""
    value = doc.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"field {key!r} must be a string")
    return value
