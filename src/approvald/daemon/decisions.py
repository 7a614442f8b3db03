"""One decision: evaluate, record, and for REQUIRE_APPROVAL find a grant or wait for a person.

Kept apart from HTTP so the grant logic is tested without sockets.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any

from approvald.daemon.aio import within_shared
from approvald.daemon.context import STOPPING, DaemonContext
from approvald.daemon.evaluator import Overtime
from approvald.daemon.evaluator_worker import EvaluationFailed
from approvald.model import events, limits
from approvald.model.actions import Action
from approvald.model.approvals import Approval
from approvald.model.decisions import (
    ALLOW,
    APPROVED,
    BY_DAEMON,
    BY_TIMEOUT,
    DENIED,
    DENY,
    EXPIRED,
    PENDING,
    REQUIRE_APPROVAL,
)
from approvald.model.records import action_fields, decision_fields
from approvald.redaction import remembered_count
from approvald.storage.approvals import AlreadyDecided

log = logging.getLogger("approvald.daemon")

AUDIT_RULE = "approvald-audit-unwritable"
AUDIT_WAIT_S = 5.0  # an ALLOW waits this long at most for its record to be on disk
FAILED_RULE = "approvald-evaluation-failed"


async def evaluate(ctx: DaemonContext, action: Action) -> dict[str, Any]:
    """The policy's Decision JSON, from the context's evaluator (off the event loop, within a
    budget: approvald.daemon.evaluator); DENY without analysis for an oversized action, DENY
    past the budget, DENY when the analysis failed."""
    reason = limits.too_large_reason(action)
    rule = limits.SIZE_RULE
    if reason is None:
        try:
            return await ctx.evaluator.evaluate(action)
        except Overtime:
            log.warning("evaluation of a %d-byte action ran past its budget",
                        limits.action_size(action))
            reason, rule = limits.timeout_reason(), limits.TIMEOUT_RULE
        except EvaluationFailed as exc:
            log.warning("evaluation failed: %s", exc)
            reason = f"approvald could not check this action ({exc}), so it is denied."
            rule = FAILED_RULE
    return {"decision": DENY, "reason": reason, "rules": [rule],
            "fingerprint": action.fingerprint, "policy_hash": ctx.policy_hash,
            "trigger": None}


def _record(action: Action, decision: dict[str, Any]) -> dict[str, Any]:
    """What a decision event says (the audit record adds its `event`)."""
    return {**action_fields(action), **decision_fields(decision)}


def _answer_from(result: dict[str, Any], approval: Approval, status: str | None = None) -> None:
    result["approval_id"] = approval.id
    result["status"] = status or approval.status
    result["decided_by"] = approval.decided_by
    result["decision_reason"] = approval.decision_reason
    result["scope"] = approval.scope


def _raise_to_floor(decision: dict[str, Any], floor: tuple[str, str]) -> dict[str, Any]:
    """At least REQUIRE_APPROVAL, naming the caller's rule: a caller may make a decision
    stricter (the MCP gateway asks a person about a result it finds suspicious), never weaker.
    """
    if decision["decision"] != ALLOW:
        return decision
    rule, reason = floor
    return {**decision, "decision": REQUIRE_APPROVAL, "rules": [rule], "reason": reason,
            "trigger": None}


async def decide(ctx: DaemonContext, action: Action, *, wait: bool = True,
                 disconnected: Callable[[], Awaitable[Any]] | None = None,
                 floor: tuple[str, str] | None = None) -> dict[str, Any]:
    """The /v1/decide answer. `disconnected()` completes when the asking client goes away: the
    approval then stays pending, marked `agent_gone_at`, and approving it leaves no grant (the
    next identical request asks again, and closes this one).
    `floor` (rule, reason) makes an ALLOW a REQUIRE_APPROVAL for that rule.
    """
    if ctx.doctor is not None and action.cwd:
        ctx.doctor.saw_cwd(action.cwd)  # the live doctor learns the project (a dict lookup)
    ctx.evaluating += 1  # its record is on its way (the audit writer's batch may wait for it)
    try:
        decision = await evaluate(ctx, action)
    finally:
        ctx.evaluating -= 1
    if floor is not None:
        decision = _raise_to_floor(decision, floor)
    if ctx.audit_failure is not None and decision["decision"] != DENY:
        decision = {**decision, "decision": DENY, "rules": [AUDIT_RULE], "trigger": None,
                    "reason": f"approvald cannot write its audit log ({ctx.audit_failure}), "
                              "so nothing is allowed until it can."}
    ctx.decisions += 1
    if action.session_id:
        ctx.sessions.add(action.session_id)
    result: dict[str, Any] = {**decision, "approval_id": None, "status": None,
                              "decided_by": None, "decision_reason": None, "scope": None,
                              "known_values": remembered_count()}
    record = _record(action, decision)
    if decision["decision"] != REQUIRE_APPROVAL:
        _report(ctx, record)
        if decision["decision"] != DENY:
            return await _once_durable(ctx, action, result)
        return result

    decision["high_risk"] = _high_risk(ctx, decision)
    judged = decision.get("judged")
    grant = ctx.approvals.take_grant(
        decision["fingerprint"],
        accept=lambda g: judged is None or g.decision.get("judged") == judged)
    if grant is not None:
        _answer_from(result, grant, APPROVED)
        record.update(approval_id=grant.id, approval_status="granted", scope=grant.scope)
        _report(ctx, record)
        return _relay(ctx, action, grant, await _once_durable(ctx, action, result))
    relayed = ctx.mcp_relay.take(action)
    if relayed is not None:  # the hook's check of this very MCP call was just approved
        _answer_from(result, relayed, APPROVED)
        record.update(approval_id=relayed.id, approval_status="granted", scope=relayed.scope,
                      relayed=True)
        _report(ctx, record)
        return await _once_durable(ctx, action, result)

    approval = ctx.approvals.create(action.to_json(), decision, fingerprint=decision["fingerprint"],
                                summary=action.summary,
                                timeout_s=ctx.settings.approval_timeout_s)
    record.update(approval_id=approval.id, approval_status=PENDING)
    _report(ctx, record)
    ctx.audit.append({**record, "event": events.APPROVAL_REQUESTED,
                      "expires_at": approval.to_json()["expires_at"]})
    ctx.events.publish(events.APPROVAL_CREATED, approval.to_json())
    for earlier in ctx.approvals.close_superseded(approval.fingerprint, approval.id):
        ctx.approval_decided(earlier)  # one row for what the agent asks again
    _answer_from(result, approval)
    result["status"] = None
    if not wait:
        return result
    outcome = await wait_for_person(ctx, approval, disconnected)
    if outcome == STOPPING:
        result.update(status=DENIED, decided_by=BY_DAEMON, decision_reason="daemon stopping")
    elif isinstance(outcome, Approval):
        _answer_from(result, outcome)
        if outcome.status == APPROVED and not ctx.approvals.consume(outcome.id):
            result.update(status=DENIED, decision_reason="this approval was already used")
        if result["status"] == APPROVED:
            return _relay(ctx, action, outcome, await _once_durable(ctx, action, result))
    return result


def _relay(ctx: DaemonContext, action: Action, approval: Approval,
           answered: dict[str, Any]) -> dict[str, Any]:
    """`answered`, after holding its approval for the gateway's check of the same MCP call,
    only when it lets the call run (its record is on disk)."""
    if answered["decision"] != DENY:
        ctx.mcp_relay.approved(action, approval)
    return answered


async def _once_durable(ctx: DaemonContext, action: Action,
                        result: dict[str, Any]) -> dict[str, Any]:
    """`result` (which lets the action run) once every record before it is written and synced;
    a DENY (`approvald-audit-unwritable`) when that cannot be done in AUDIT_WAIT_S."""
    try:
        await audit_durable(ctx)
    except Exception as exc:
        why = str(exc) or "the audit log did not answer in time"
        denied = {**result, "decision": DENY, "rules": [AUDIT_RULE], "trigger": None,
                  "reason": f"approvald cannot write its audit log ({why}), so nothing is "
                            "allowed until it can."}
        if result.get("status") == APPROVED:
            denied.update(status=DENIED, decision_reason=denied["reason"])
        _report(ctx, _record(action, denied))
        return denied
    return result


async def audit_durable(ctx: DaemonContext) -> None:
    """Returns once every audit record so far is written and synced; raises (TimeoutError, or
    the writer's error) when that cannot be done in AUDIT_WAIT_S. The writer's barrier is
    shared by every waiter, so giving up leaves it uncancelled."""
    barrier = getattr(ctx.audit, "barrier", None)
    if barrier is None:
        return
    await within_shared(_on_loop(barrier()), AUDIT_WAIT_S)


# One future on the loop per audit barrier from a writer thread: decisions waiting on the same
# barrier (the audit writer hands out the one queued until it is taken) are woken by one call
# from its thread. The loop's own writer hands out futures on the loop already.
_ON_LOOP: weakref.WeakKeyDictionary[Future[None], asyncio.Future[None]] = (
    weakref.WeakKeyDictionary())


def _on_loop(barrier: Future[None] | asyncio.Future[None]) -> asyncio.Future[None]:
    if isinstance(barrier, asyncio.Future):
        return barrier
    waiting = _ON_LOOP.get(barrier)
    if waiting is None:
        waiting = _ON_LOOP[barrier] = asyncio.wrap_future(barrier)
    return waiting


async def wait_for_person(ctx: DaemonContext, approval: Approval,
                          disconnected: Callable[[], Awaitable[Any]] | None
                          ) -> Approval | str | None:
    """The decided Approval, STOPPING, or None when the client went away."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[Approval | str] = loop.create_future()
    ctx.waiters[approval.id] = waiter
    gone: asyncio.Future[Any] | None = None
    try:
        # A decision may have landed between create() and here (another process, a restart).
        current = ctx.approvals.get(approval.id)
        if current is not None and current.status != PENDING:
            return current
        if ctx.stopping:
            return STOPPING
        remaining = max(0.0, approval.expires_at - time.time())
        watched: set[asyncio.Future[Any]] = {waiter}
        if disconnected is not None:
            gone = asyncio.ensure_future(disconnected())
            watched.add(gone)
        done, _ = await asyncio.wait(watched, timeout=remaining,
                                     return_when=asyncio.FIRST_COMPLETED)
        if waiter.done():
            return waiter.result()
        if gone is not None and gone in done:
            log.info("approval %s: the asking hook went away; approving it lets nothing "
                     "through", approval.id)
            marked = ctx.approvals.mark_gone(approval.id)
            if marked is not None:
                ctx.approval_changed(marked, events.APPROVAL_AGENT_GONE)
            return None
        return _expire(ctx, approval)
    finally:
        ctx.waiters.pop(approval.id, None)
        if gone is not None and not gone.done():
            gone.cancel()


def _expire(ctx: DaemonContext, approval: Approval) -> Approval | None:
    try:
        expired = ctx.approvals.decide(
            approval.id, EXPIRED, by=BY_TIMEOUT,
            reason=f"no decision within {ctx.settings.approval_timeout_s} s")
    except AlreadyDecided:
        return ctx.approvals.get(approval.id)  # decided or swept in the same instant
    ctx.approval_decided(expired)
    return expired


def _high_risk(ctx: DaemonContext, decision: dict[str, Any]) -> bool:
    """Did a rule marked `risk: high` ask for this approval? (The dashboard may ask again.)"""
    marked = getattr(ctx.engine, "high_risk", None) if ctx.has_engine else None
    if not marked:
        return False
    return any(rule in marked for rule in decision.get("rules", ()))


def _report(ctx: DaemonContext, record: dict[str, Any]) -> None:
    ctx.audit.append({"event": events.DECISION, **record})
    ctx.events.publish(events.DECISION, record)
