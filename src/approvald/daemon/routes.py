"""The daemon's own routes (docs/API.md): decisions, hooks, approvals, activity, events, policy,
findings. Each handler reads the request, calls a use case and writes the answer."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from approvald.agents import UnknownAgent, get_agent, payload_reader
from approvald.daemon import decisions, hook_events, proposals
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
    surface,
)
from approvald.model import events as event_names
from approvald.model.actions import ActionError
from approvald.model.approvals import Approval
from approvald.model.clock import now_iso
from approvald.model.decisions import (
    APPROVED,
    DENIED,
    OPERATOR_SURFACES,
    PENDING,
    SCOPES,
    STATUSES,
)
from approvald.policy.propose import NotProposable
from approvald.redaction import redact_obj
from approvald.storage.approvals import AlreadyDecided, AmbiguousId, NotAGrant, UnknownApproval
from approvald.wire.protocol import DECISION_HEADER, EXIT_HEADER

log = logging.getLogger("approvald.daemon")

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


def _approval_json(approval: Approval) -> dict[str, Any]:
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
    items = context(request).approvals.list(wanted, int(limit_text))
    return JSONResponse({"approvals": [_approval_json(a) for a in items]})


def approval_id_of(request: Request) -> str:
    """The approval the path names: its id, or any unique prefix of it (with or without
    `ap_`). 404 when none matches, 409 `ambiguous_id` when several do."""
    try:
        return context(request).approvals.resolve(request.path_params["approval_id"])
    except UnknownApproval as exc:
        raise ApiError(404, str(exc)) from exc
    except AmbiguousId as exc:
        raise ApiError(409, str(exc), "ambiguous_id") from exc


async def get_approval(request: Request) -> Response:
    require_operator(request)
    approval_id = approval_id_of(request)
    approval = context(request).approvals.get(approval_id)
    if approval is None:
        raise ApiError(404, f"no approval {approval_id}")
    return JSONResponse(_approval_json(approval))


def _decider(request: Request, doc: dict[str, Any]) -> str:
    """The surface the decision came through; a `by` in the body is checked, then ignored."""
    by = doc.get("by", "cli")
    if by not in OPERATOR_SURFACES:
        raise ApiError(400, f"field 'by' must be one of {', '.join(OPERATOR_SURFACES)}")
    return surface(request)


async def _decide_approval(request: Request, status: str) -> Response:
    require_operator(request)
    ctx = context(request)
    doc = await read_json(request)
    approval_id = approval_id_of(request)
    by = _decider(request, doc)
    scope: str | None = None
    reason: str | None = None
    always = doc.get("always", False)
    if not isinstance(always, bool):
        raise ApiError(400, "field 'always' must be true or false")
    if status == APPROVED:
        scope = doc.get("scope") or "once"
        if scope not in SCOPES:
            raise ApiError(400, f"field 'scope' must be one of {', '.join(SCOPES)}")
    else:
        raw_reason = string_field(doc, "reason")
        reason = raw_reason.strip() or None if raw_reason else None
    rule: dict[str, Any] | None = None
    if always and status == APPROVED:
        rule = await _write_rule(ctx, approval_id, by)
        if rule.get("agent_rule"):  # the agent's own prompt: its hook hands the agent the rule
            ctx.open_prompts.approve_always(approval_id)
    try:
        approval = ctx.approvals.decide(approval_id, status, by=by, scope=scope, reason=reason)
    except (UnknownApproval, AlreadyDecided) as exc:
        ctx.open_prompts.take_always(approval_id)
        raise ApiError(404 if isinstance(exc, UnknownApproval) else 409, str(exc)) from exc
    log.info("approval %s %s by %s%s", approval.id, approval.status, by,
             f" ({scope})" if scope else "")
    ctx.approval_decided(approval)
    answer = _approval_json(approval)
    if rule is not None:
        answer["rule"] = rule
    return JSONResponse(answer)


def _pending(ctx: DaemonContext, approval_id: str) -> Approval:
    approval = ctx.approvals.get(approval_id)
    if approval is None:
        raise ApiError(404, f"no approval {approval_id}")
    if approval.status != PENDING:
        raise ApiError(409, f"approval {approval_id} is already {approval.status}")
    return approval


async def _write_rule(ctx: DaemonContext, approval_id: str, by: str) -> dict[str, Any]:
    """`always`: the proposed rule written and in force before the approval is decided (409
    `not_proposable`, nothing decided, when no rule may be proposed)."""
    return await _off_loop(proposals.write_rule, ctx, _pending(ctx, approval_id), by)


async def _off_loop(work: Callable[..., dict[str, Any]], ctx: DaemonContext,
                    approval: Approval, *args: Any) -> dict[str, Any]:
    """A proposal's work (analysis, files, a reload) off the event loop; NotProposable is a
    409 `not_proposable` naming the approval."""
    try:
        return await asyncio.to_thread(work, ctx, approval, *args)
    except NotProposable as exc:
        raise ApiError(409, f"no rule for {approval.id}: {exc}", "not_proposable") from exc


async def explain(request: Request) -> Response:
    """Commands, their directories and rules, and the proposed rule, for any approval."""
    require_operator(request)
    ctx = context(request)
    approval_id = approval_id_of(request)
    approval = ctx.approvals.get(approval_id)
    if approval is None:
        raise ApiError(404, f"no approval {approval_id}")
    return JSONResponse(redact_obj(await _off_loop(proposals.explain, ctx, approval)))


async def proposal(request: Request) -> Response:
    """The rule "allow commands like this" would write for a pending approval, with what it
    would have matched in recent activity and how many past approvals it would have spared."""
    require_operator(request)
    ctx = context(request)
    approval = _pending(ctx, approval_id_of(request))
    return JSONResponse(redact_obj(await _off_loop(proposals.describe, ctx, approval)))


async def approve(request: Request) -> Response:
    return await _decide_approval(request, APPROVED)


async def deny(request: Request) -> Response:
    return await _decide_approval(request, DENIED)


async def revoke(request: Request) -> Response:
    """Withdraw a standing grant (a session grant, or a once-grant not used yet)."""
    require_operator(request)
    ctx = context(request)
    doc = await read_json(request)
    approval_id = approval_id_of(request)
    by = _decider(request, doc)
    try:
        approval = ctx.approvals.revoke(approval_id, by=by)
    except UnknownApproval as exc:
        raise ApiError(404, str(exc)) from exc
    except NotAGrant as exc:
        raise ApiError(409, str(exc), "not_a_grant") from exc
    log.info("grant %s revoked by %s", approval.id, by)
    ctx.approval_changed(approval, event_names.APPROVAL_REVOKED)
    return JSONResponse(_approval_json(approval))


async def grants(request: Request) -> Response:
    """Approved approvals: `status=standing` (default) the grants that still admit their
    fingerprint; `status=all` the latest approved ones, whatever became of their grant."""
    require_operator(request)
    wanted = request.query_params.get("status", "standing")
    if wanted not in ("standing", "all"):
        raise ApiError(400, "status must be standing or all")
    items = context(request).approvals.grants(standing_only=wanted == "standing")
    return JSONResponse({"grants": [_approval_json(a) for a in items]})


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
        Route("/v1/approvals", list_approvals, methods=["GET"]),
        Route("/v1/approvals/{approval_id}", get_approval, methods=["GET"]),
        Route("/v1/approvals/{approval_id}/approve", approve, methods=["POST"]),
        Route("/v1/approvals/{approval_id}/deny", deny, methods=["POST"]),
        Route("/v1/approvals/{approval_id}/revoke", revoke, methods=["POST"]),
        Route("/v1/approvals/{approval_id}/proposal", proposal, methods=["GET"]),
        Route("/v1/approvals/{approval_id}/explain", explain, methods=["GET"]),
        Route("/v1/grants", grants, methods=["GET"]),
        Route("/v1/activity", activity, methods=["GET"]),
        Route("/v1/events", events, methods=["GET"]),
        Route("/v1/policy/reload", reload_policy, methods=["POST"]),
        Route("/v1/findings", findings, methods=["GET"]),
    ]
