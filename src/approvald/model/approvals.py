"""An approval: what was asked, who decided, and whether its grant still stands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from approvald.model.clock import iso
from approvald.model.decisions import APPROVED, SCOPE_SESSION


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

    @property
    def is_standing_grant(self) -> bool:
        """Approved and still able to admit its fingerprint."""
        if self.status != APPROVED:
            return False
        return self.scope == SCOPE_SESSION or self.used_at is None

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
        }
