"""The daemon's own routes (docs/API.md): decisions, hooks, sessions, status, activity, events,
policy, findings. Each handler reads the request, calls a use case and writes the answer; the
approvals' routes (list, decide, revoke, explain, propose, grants) are `approval_routes`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from approvald.agents import UnknownAgent, get_agent, payload_reader
from approvald.daemon import decisions, hook_events
from approvald.daemon.context import DaemonContext
from approvald.daemon.http import (
    ApiError,
    context,
    parse_json_object,
    peer_pid,
    read_body,
    read_json,
    require_operator,
    string_field,
)
from approvald.model import events as event_names
from approvald.model.actions import ActionError
from approvald.model.clock import now_iso
from approvald.redaction import redact_obj
from approvald.wire.protocol import DECISION_HEADER, EXIT_HEADER

PING_EVERY_S = 15.0
FLOOR_RULE_PREFIX = "mcp-"


async def _until_disconnect(request: Request) -> None:
    """Completes when the client hangs up (the body has been read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def _ready(ctx: DaemonContext) -> None:
    if ctx.stopping:
        raise ApiError(503, "daemon stopping")
    if not ctx.has_engine:
        raise ApiError(503, f"no policy in force ({ctx.policy_error})")


async def decide_answer(ctx: DaemonContext, body: bytes,
                        disconnected: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    """/v1/decide: the request body in, the decision answer out (docs/API.md)."""
    _ready(ctx)
    doc = parse_json_object(body) if body else {}
    wait = doc.get("wait", True)
    if not isinstance(wait, bool):
        raise ApiError(400, "field 'wait' must be true or false")
    try:
        if "action" in doc:
            action = payload_reader("action")(doc["action"])
        elif "payload" in doc:
            agent = string_field(doc, "agent") or "claude-code"
            action = payload_reader(agent)(doc["payload"])
        else:
            raise ApiError(400, "give 'payload' (with 'agent') or 'action'")
    except (ActionError, UnknownAgent) as exc:
        raise ApiError(400, str(exc)) from exc
    return await decisions.decide(ctx, action, wait=wait, disconnected=disconnected,
                                  floor=_floor(doc.get("floor")))


def _floor(value: Any) -> tuple[str, str] | None:
    """`{"rule", "reason"}`: the least this decision may be (REQUIRE_APPROVAL). The rule id
    must start with `mcp-`, so it can never pass for a policy's or self-protection's rule."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("rule"), str) \
            or not isinstance(value.get("reason"), str) \
            or not value["rule"].startswith(FLOOR_RULE_PREFIX):
        raise ApiError(400, "field 'floor' must be {\"rule\": \"mcp-...\", \"reason\": str}")
    return value["rule"][:128], value["reason"][:2000]


async def hook_answer(ctx: DaemonContext, agent_name: str, body: bytes, peer: int | None,
                      disconnected: Callable[[], Awaitable[Any]]) -> tuple[str, dict[str, str]]:
    """A hook's fast path: the agent's raw payload in, the hook's stdout out, rendered here in
    the agent's format (so the hook process parses nothing), with the decision and the exit
    code in headers. Waits for a person."""
    _ready(ctx)
    try:
        agent = get_agent(agent_name)
    except UnknownAgent as exc:
        raise ApiError(404, str(exc)) from exc
    # The process that ran this hook tells which process is the agent (docs/SECURITY.md).
    agent_pid = ctx.guard.learn_from_hook(peer, agent.name)
    payload = parse_json_object(body) if body else {}
    try:
        action = agent.action(payload)
    except ActionError as exc:
        raise ApiError(400, str(exc)) from exc
    if action.session_id:
        mode = payload.get("permission_mode") if isinstance(payload, dict) else None
        ctx.agent_sessions.saw(agent.name, {"session_id": action.session_id, "cwd": action.cwd,
                                            "permission_mode": mode}, agent_pid)
        ctx.agent_sessions.progressed(agent.name, action.session_id)
    answer = await decisions.decide(ctx, action, wait=True, disconnected=disconnected)
    reply = agent.reply_to_answer(answer)
    return reply.stdout, {DECISION_HEADER: str(answer["decision"]),
                          EXIT_HEADER: str(reply.exit_code)}


async def decide(request: Request) -> Response:
    answer = await decide_answer(context(request), await read_body(request),
                                 lambda: _until_disconnect(request))
    return JSONResponse(answer)


async def hook(request: Request) -> Response:
    text, headers = await hook_answer(
        context(request), request.path_params["agent"], await read_body(request),
        peer_pid(request), lambda: _until_disconnect(request))
    return Response(text, media_type="application/json", headers=headers)


async def hook_event(request: Request) -> Response:
    """An agent's other hook events (PostToolUse, SessionStart, ...): the raw payload in, the
    hook's stdout out in the agent's format for that event, the exit code in a header."""
    ctx = context(request)
    if ctx.stopping:
        raise ApiError(503, "daemon stopping")
    try:
        agent = get_agent(request.path_params["agent"])
    except UnknownAgent as exc:
        raise ApiError(404, str(exc)) from exc
    event = agent.hook_event(request.path_params["event"])
    if event is None:
        raise ApiError(404, f"{agent.name} has no hook event {request.path_params['event']!r} "
                            "for approvald")
    agent_pid = ctx.guard.learn_from_hook(peer_pid(request), agent.name)
    payload = await read_json(request)
    try:
        answer = await hook_events.answer(ctx, agent, event, payload, agent_pid,
                                          disconnected=lambda: _until_disconnect(request))
    except ActionError as exc:
        raise ApiError(400, str(exc)) from exc
    reply = agent.render_event(event, answer)
    return Response(reply.stdout, media_type="application/json",
                    headers={EXIT_HEADER: str(reply.exit_code)})


async def sessions(request: Request) -> Response:
    """The live agent sessions, oldest first."""
    require_operator(request)
    return JSONResponse({"sessions": [s.to_json() for s in context(request).agent_sessions.live()]})


async def status(request: Request) -> Response:
    return JSONResponse(context(request).status())


async def activity(request: Request) -> Response:
    require_operator(request)
    limit_text = request.query_params.get("limit", "500")
    limit = int(limit_text) if limit_text.isdigit() else 500
    recent = list(context(request).events.activity)[-limit:] if limit else []
    return JSONResponse({"events": redact_obj(recent)})


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
    pid = peer_pid(request)

    async def stream() -> AsyncIterator[bytes]:
        if pid is not None:
            ctx.dashboards[pid] += 1
        try:
            yield _sse({**ctx.status(), "type": event_names.HELLO, "ts": now_iso()})
            while True:
                try:
                    event = await subscription.get(PING_EVERY_S)
                except StopAsyncIteration:
                    return
                yield b": ping\n\n" if event is None else _sse(event)
        finally:
            ctx.events.unsubscribe(subscription)
            if pid is not None:
                ctx.dashboards[pid] -= 1
                if ctx.dashboards[pid] <= 0:
                    del ctx.dashboards[pid]

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store"})


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
        Route("/v1/hook/{agent}", hook, methods=["POST"]),
        Route("/v1/hook/{agent}/{event}", hook_event, methods=["POST"]),
        Route("/v1/sessions", sessions, methods=["GET"]),
        Route("/v1/activity", activity, methods=["GET"]),
        Route("/v1/events", events, methods=["GET"]),
        Route("/v1/policy/reload", reload_policy, methods=["POST"]),
        Route("/v1/findings", findings, methods=["GET"]),
    ]
