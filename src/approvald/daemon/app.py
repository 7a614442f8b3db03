"""The daemon's HTTP API (docs/API.md) as a Starlette app over a `DaemonContext`.

`create_app(ctx, extra_routes)` is the one entry point; other parts of approvald (leases,
doctor findings) pass their own routes in and reach the context as `request.app.state.ctx`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from approvald.actions import ActionError, action_from_json
from approvald.adapters import get_adapter
from approvald.daemon import decisions
from approvald.daemon.context import DaemonContext
from approvald.hook.claude_code import answer_from_daemon
from approvald.hook.endpoint import CLIENT_HEADER as CLIENT_HEADER_NAME
from approvald.hook.endpoint import SERVER_HEADER as SERVER_HEADER_NAME
from approvald.hook.endpoint import client_proof, server_proof
from approvald.redact import redact_obj
from approvald.store import (
    APPROVED,
    DENIED,
    SCOPES,
    STATUSES,
    AlreadyDecided,
    UnknownApproval,
)

log = logging.getLogger("approvald.daemon")

MAX_BODY = 32 * 1024 * 1024  # above the hook's 20 MB payload cap plus JSON overhead
PING_EVERY_S = 15.0
DECIDERS = ("cli", "dashboard")


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def context(request: Request) -> DaemonContext:
    ctx: DaemonContext = request.app.state.ctx
    return ctx


def require_operator(request: Request) -> None:
    """The operator's token (state/operator.token), compared in constant time."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected = context(request).token
    if scheme.lower() != "bearer" or not expected or not hmac.compare_digest(
            token.strip().encode(), expected.encode()):
        raise ApiError(401, "the operator's token is required (Authorization: Bearer ...)")


async def read_json(request: Request) -> dict[str, Any]:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise ApiError(413, f"request body over {MAX_BODY // 1048576} MB")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ApiError(413, f"request body over {MAX_BODY // 1048576} MB")
    if not body:
        return {}
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise ApiError(400, f"request body is not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise ApiError(400, "request body must be a JSON object")
    return doc


async def _until_disconnect(request: Request) -> None:
    """Completes when the client hangs up (the body has been read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def decide(request: Request) -> Response:
    ctx = context(request)
    if ctx.stopping:
        raise ApiError(503, "daemon stopping")
    if not ctx.has_engine:
        raise ApiError(503, f"no policy in force ({ctx.policy_error})")
    doc = await read_json(request)
    wait = doc.get("wait", True)
    if not isinstance(wait, bool):
        raise ApiError(400, "field 'wait' must be true or false")
    try:
        if "action" in doc:
            action = action_from_json(doc["action"])
        elif "payload" in doc:
            agent = doc.get("agent", "claude-code")
            if not isinstance(agent, str):
                raise ApiError(400, "field 'agent' must be a string")
            action = get_adapter(agent)(doc["payload"])
        else:
            raise ApiError(400, "give 'payload' (with 'agent') or 'action'")
    except ActionError as exc:
        raise ApiError(400, str(exc)) from exc
    answer = await decisions.decide(ctx, action, wait=wait,
                                    disconnected=lambda: _until_disconnect(request))
    return JSONResponse(answer)


async def hook_claude_code(request: Request) -> Response:
    """The hook's fast path: the raw Claude Code payload in, the hook's stdout out (rendered
    here, so the hook process needs no JSON parsing on its way). Waits for a person."""
    ctx = context(request)
    if ctx.stopping:
        raise ApiError(503, "daemon stopping")
    if not ctx.has_engine:
        raise ApiError(503, f"no policy in force ({ctx.policy_error})")
    payload = await read_json(request)
    try:
        action = get_adapter("claude-code")(payload)
    except ActionError as exc:
        raise ApiError(400, str(exc)) from exc
    answer = await decisions.decide(ctx, action, wait=True,
                                    disconnected=lambda: _until_disconnect(request))
    return Response(answer_from_daemon(answer).render(), media_type="application/json",
                    headers={"X-Approvald-Decision": str(answer["decision"])})


async def status(request: Request) -> Response:
    return JSONResponse(context(request).status())


def _approval_json(approval: Any) -> dict[str, Any]:
    data: dict[str, Any] = redact_obj(approval.to_json())
    return data


async def list_approvals(request: Request) -> Response:
    require_operator(request)
    wanted = request.query_params.get("status", "pending")
    if wanted != "all" and wanted not in STATUSES:
        raise ApiError(400, f"status must be all or one of {', '.join(STATUSES)}")
    limit_text = request.query_params.get("limit", "1000")
    if not limit_text.isdigit() or not 0 < int(limit_text) <= 100000:
        raise ApiError(400, "limit must be a number from 1 to 100000")
    items = context(request).store.list(wanted, int(limit_text))
    return JSONResponse({"approvals": [_approval_json(a) for a in items]})


async def get_approval(request: Request) -> Response:
    require_operator(request)
    approval_id = request.path_params["approval_id"]
    approval = context(request).store.get(approval_id)
    if approval is None:
        raise ApiError(404, f"no approval {approval_id}")
    return JSONResponse(_approval_json(approval))


def _decider(doc: dict[str, Any]) -> str:
    by = doc.get("by", "cli")
    if by not in DECIDERS:
        raise ApiError(400, f"field 'by' must be one of {', '.join(DECIDERS)}")
    return str(by)


async def _decide_approval(request: Request, status: str) -> Response:
    require_operator(request)
    ctx = context(request)
    doc = await read_json(request)
    approval_id = request.path_params["approval_id"]
    by = _decider(doc)
    scope: str | None = None
    reason: str | None = None
    if status == APPROVED:
        scope = doc.get("scope") or "once"
        if scope not in SCOPES:
            raise ApiError(400, f"field 'scope' must be one of {', '.join(SCOPES)}")
    else:
        raw_reason = doc.get("reason")
        if raw_reason is not None and not isinstance(raw_reason, str):
            raise ApiError(400, "field 'reason' must be a string")
        reason = raw_reason.strip() or None if raw_reason else None
    try:
        approval = ctx.store.decide(approval_id, status, by=by, scope=scope, reason=reason)
    except UnknownApproval as exc:
        raise ApiError(404, str(exc)) from exc
    except AlreadyDecided as exc:
        raise ApiError(409, str(exc)) from exc
    log.info("approval %s %s by %s%s", approval.id, approval.status, by,
             f" ({scope})" if scope else "")
    ctx.approval_decided(approval)
    return JSONResponse(_approval_json(approval))


async def approve(request: Request) -> Response:
    return await _decide_approval(request, APPROVED)


async def deny(request: Request) -> Response:
    return await _decide_approval(request, DENIED)


async def activity(request: Request) -> Response:
    require_operator(request)
    limit_text = request.query_params.get("limit", "500")
    limit = int(limit_text) if limit_text.isdigit() else 500
    events = list(context(request).events.activity)[-limit:] if limit else []
    return JSONResponse({"events": redact_obj(events)})


async def reload_policy(request: Request) -> Response:
    require_operator(request)
    policy_hash, policy_error = await asyncio.to_thread(context(request).reload_policy)
    return JSONResponse({"policy_hash": policy_hash, "policy_error": policy_error})


def _sse(event: dict[str, Any]) -> bytes:
    data = json.dumps(redact_obj(event), ensure_ascii=False)
    return f"event: {event['type']}\ndata: {data}\n\n".encode()


async def events(request: Request) -> Response:
    require_operator(request)
    ctx = context(request)
    subscription = ctx.events.subscribe()

    async def stream() -> AsyncIterator[bytes]:
        try:
            from approvald.daemon.events import now_iso

            yield _sse({**ctx.status(), "type": "hello", "ts": now_iso()})
            while True:
                try:
                    event = await subscription.get(PING_EVERY_S)
                except StopAsyncIteration:
                    return
                yield b": ping\n\n" if event is None else _sse(event)
        finally:
            ctx.events.unsubscribe(subscription)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store"})


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error(exc.status, exc.message)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return error(500, f"internal error: {type(exc).__name__}")


async def findings(request: Request) -> Response:
    """The latest doctor findings (the same data `findings` events carry)."""
    require_operator(request)
    doctor = context(request).doctor
    if doctor is None:
        return JSONResponse({"findings": [], "counts": {}, "watching": False})
    return JSONResponse({**doctor.snapshot(), "watching": True})


def routes() -> list[BaseRoute]:
    return [
        Route("/v1/status", status, methods=["GET"]),
        Route("/v1/decide", decide, methods=["POST"]),
        Route("/v1/hook/claude-code", hook_claude_code, methods=["POST"]),
        Route("/v1/approvals", list_approvals, methods=["GET"]),
        Route("/v1/approvals/{approval_id}", get_approval, methods=["GET"]),
        Route("/v1/approvals/{approval_id}/approve", approve, methods=["POST"]),
        Route("/v1/approvals/{approval_id}/deny", deny, methods=["POST"]),
        Route("/v1/activity", activity, methods=["GET"]),
        Route("/v1/events", events, methods=["GET"]),
        Route("/v1/policy/reload", reload_policy, methods=["POST"]),
        Route("/v1/findings", findings, methods=["GET"]),
    ]


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
        routes=[*routes(), *extra_routes],
        exception_handlers={ApiError: _api_error, Exception: _internal_error},
        client_token=getattr(ctx, "client_token", ""),
    )
    app.state.ctx = ctx
    return app
