"""The daemon's approval routes (docs/API.md): approvals listed and shown, approved, denied,
revoked, explained and proposed as a rule, and the standing grants.

They are the operator's side of a decision that waits for a person, apart from the agents'
routes and the daemon's status and streams (`routes`): each handler checks the operator, reads
the request, calls the approvals store or a proposal's work (off the event loop) and writes the
approval, redacted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from approvald.daemon import proposals
from approvald.daemon.context import DaemonContext
from approvald.daemon.http import (
    ApiError,
    context,
    read_json,
    require_operator,
    string_field,
    surface,
)
from approvald.model import events as event_names
from approvald.model.approvals import Approval
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

log = logging.getLogger("approvald.daemon")


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


def routes() -> list[BaseRoute]:
    return [
        Route("/v1/approvals", list_approvals, methods=["GET"]),
        Route("/v1/approvals/{approval_id}", get_approval, methods=["GET"]),
        Route("/v1/approvals/{approval_id}/approve", approve, methods=["POST"]),
        Route("/v1/approvals/{approval_id}/deny", deny, methods=["POST"]),
        Route("/v1/approvals/{approval_id}/revoke", revoke, methods=["POST"]),
        Route("/v1/approvals/{approval_id}/proposal", proposal, methods=["GET"]),
        Route("/v1/approvals/{approval_id}/explain", explain, methods=["GET"]),
        Route("/v1/grants", grants, methods=["GET"]),
    ]
