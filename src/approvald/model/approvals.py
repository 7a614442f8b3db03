"""An approval: what was asked, who decided, and whether its grant still stands."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from approvald.model.clock import iso
from approvald.model.decisions import (
    APPROVED,
    GRANT_EXPIRED,
    GRANT_NONE,
    GRANT_REVOKED,
    GRANT_STANDING,
    GRANT_USED,
    ONCE_GRANT_TTL_S,
    SCOPE_SESSION,
)


@dataclass(frozen=True)
class Approval:
    id: str
    fingerprint: str
    status: str
    scope: str | None
    created_at: float
    expires_at: float
    decided_at: float | None
    decided_by: str | None
    decision_reason: str | None
    used_at: float | None
    agent: str
    session_id: str
    cwd: str
    tool: str
    kind: str
    summary: str
    action: dict[str, Any]
    decision: dict[str, Any]  # the policy Decision's JSON that asked for this approval
    # When the asking agent stopped waiting (its hook gave up, was killed, or the daemon
    # restarted under it): approving it afterwards lets nothing through and leaves no grant.
    agent_gone_at: float | None = None
    revoked_at: float | None = None
    revoked_by: str | None = None
    use_count: int = 0

    @property
    def grant_expires_at(self) -> float | None:
        """When an unused once-grant stops admitting its fingerprint (None: not such a grant)."""
        if self.status != APPROVED or self.scope == SCOPE_SESSION or self.decided_at is None:
            return None
        return self.decided_at + ONCE_GRANT_TTL_S

    def grant(self, now: float | None = None) -> str | None:
        """The grant's state (GRANT_*), or None when this approval was not approved."""
        if self.status != APPROVED:
            return None
        if self.agent_gone_at is not None:
            return GRANT_NONE
        if self.revoked_at is not None:
            return GRANT_REVOKED
        if self.scope == SCOPE_SESSION:
            return GRANT_STANDING
        if self.used_at is not None:
            return GRANT_USED
        expires = self.grant_expires_at
        if expires is not None and (time.time() if now is None else now) >= expires:
            return GRANT_EXPIRED
        return GRANT_STANDING

    @property
    def is_standing_grant(self) -> bool:
        """Approved and still able to admit its fingerprint."""
        return self.grant() == GRANT_STANDING

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "fingerprint": self.fingerprint,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "decided_at": iso(self.decided_at),
            "decided_by": self.decided_by,
            "decision_reason": self.decision_reason,
            "scope": self.scope,
            "used_at": iso(self.used_at),
            "agent": self.agent,
            "session_id": self.session_id,
            "cwd": self.cwd,
            "tool": self.tool,
            "kind": self.kind,
            "summary": self.summary,
            "rules": list(self.decision.get("rules", [])),
            "reason": self.decision.get("reason", ""),
            "trigger": self.decision.get("trigger"),
            "policy_hash": self.decision.get("policy_hash", ""),
            "action": self.action,
            "agent_gone_at": iso(self.agent_gone_at),
            "grant": self.grant(),
            "grant_expires_at": iso(self.grant_expires_at),
            "use_count": self.use_count,
            "revoked_at": iso(self.revoked_at),
            "revoked_by": self.revoked_by,
            "high_risk": bool(self.decision.get("high_risk")),
        }
