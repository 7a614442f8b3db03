"""Audit records, built in one place whoever writes them (the daemon, the hook's fallback, the
CLI working without a daemon).

A record is a flat JSON object whose `event` is one of `approvald.model.events`; the audit log
adds `seq`, `ts`, `segment`, `prev` and `hash`. Records name things (ids, rules, commands as the
agent gave them); they never hold a secret's value.
"""

from __future__ import annotations

from collections.abc import Mapping

from approvald.model import events
from approvald.model.clock import iso

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:  # named in annotations only: the hook's local check loads none of them
    from typing import Any

    from approvald.model.actions import Action
    from approvald.model.approvals import Approval
    from approvald.model.leases import Lease
    from approvald.model.pins import Pin


def action_fields(action: Action) -> dict[str, Any]:
    """Who asked for what, where: the part of a record every action carries (and the agent's
    correlation ids, when it gave them: they join exported records with its own telemetry)."""
    fields = {"agent": action.agent, "session_id": action.session_id, "cwd": action.cwd,
              "tool": action.tool, "kind": action.kind, "summary": action.summary}
    if action.call_id:
        fields["call_id"] = action.call_id
    if action.prompt_id:
        fields["prompt_id"] = action.prompt_id
    return fields


def decision_fields(decision: Mapping[str, Any]) -> dict[str, Any]:
    """What the policy said, from a decision's JSON."""
    return {"decision": decision["decision"], "rules": list(decision["rules"]),
            "reason": decision["reason"], "fingerprint": decision["fingerprint"],
            "policy_hash": decision["policy_hash"]}


def decision_record(action: Action, decision: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """`decision`: one action decided (by the daemon, or locally with `mode: local`)."""
    return {"event": events.DECISION, **action_fields(action), **decision_fields(decision),
            **extra}


def approval_record(approval: Approval, event: str = events.APPROVAL_DECIDED
                    ) -> dict[str, Any]:
    """`approval.decided`: a person (or the clock, or a stopping daemon) settled an approval;
    also `approval.agent_gone` (its agent stopped waiting) and `approval.revoked` (its grant
    withdrawn, `revoked_by` who)."""
    extra: dict[str, Any] = {}
    if approval.revoked_by is not None:
        extra["revoked_by"] = approval.revoked_by
    if approval.agent_gone_at is not None:
        extra["agent_gone"] = True
    return {
        "event": event, "approval_id": approval.id,
        "status": approval.status, "scope": approval.scope,
        "decided_by": approval.decided_by, "decision_reason": approval.decision_reason,
        "agent": approval.agent, "session_id": approval.session_id, "cwd": approval.cwd,
        "tool": approval.tool, "kind": approval.kind, "summary": approval.summary,
        "fingerprint": approval.fingerprint,
        "policy_hash": approval.decision.get("policy_hash", ""),
        "rules": list(approval.decision.get("rules", [])),
        "reason": approval.decision.get("reason", ""),
        **_correlation(approval.action), **extra,
    }


def _correlation(action_json: Mapping[str, Any]) -> dict[str, Any]:
    """The correlation ids of the call that opened an approval (kept in its action JSON)."""
    return {key: action_json[key] for key in ("call_id", "prompt_id")
            if isinstance(action_json.get(key), str) and action_json[key]}


def lease_record(event: str, lease: Lease, **extra: Any) -> dict[str, Any]:
    """A lease's life (`lease.*`): names, ids and bindings, never a value."""
    return {"event": event, "lease_id": lease.id, "name": lease.name,
            "session_id": lease.session_id, "for_pattern": lease.for_pattern,
            "single_use": lease.single_use, "expires_at": iso(lease.expires_at), **extra}


def secret_record(event: str, name: str, **extra: Any) -> dict[str, Any]:
    """`secret.stored` / `secret.removed`: the name only."""
    return {"event": event, "name": name, **extra}


def pin_record(event: str, pin: Pin, **extra: Any) -> dict[str, Any]:
    """`mcp.pin.*`: which tool of which server, the digests; definitions stay in the database."""
    return {"event": event, "server": pin.server, "tool": pin.tool, "status": pin.status,
            "digest": pin.digest, "seen_digest": pin.seen_digest, "upstream": pin.upstream,
            "findings": [f.get("kind") for f in pin.findings], **extra}
