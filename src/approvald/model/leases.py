"""Leases (short-lived ids that stand for a secret) and what is known about a stored secret.

Never a value: these are what the database, the audit log and the dashboard may hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from approvald.model.clock import iso

# A secret's name is the keyring user name and appears in `[REDACTED:NAME]`: keep it plain.
_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,127}")

ACTIVE = "active"
EXPIRED = "expired"
REVOKED = "revoked"
USED = "used"


@dataclass(frozen=True)
class Lease:
    id: str
    name: str
    created_at: float
    expires_at: float
    ttl_s: float
    session_id: str | None
    for_pattern: str | None
    single_use: bool
    requested_by: str
    revoked_at: float | None
    revoked_by: str | None
    used_at: float | None
    use_count: int
    expiry_recorded: bool

    def status(self, now: float) -> str:
        if self.revoked_at is not None:
            return REVOKED
        if self.single_use and self.use_count > 0:
            return USED
        if now >= self.expires_at:
            return EXPIRED
        return ACTIVE

    def to_json(self, now: float) -> dict[str, Any]:
        status = self.status(now)
        return {
            "lease_id": self.id,
            "id": self.id,
            "name": self.name,
            "status": status,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "ttl_s": self.ttl_s,
            "remaining_s": round(max(0.0, self.expires_at - now), 3) if status == ACTIVE else 0,
            "session_id": self.session_id,
            "for_pattern": self.for_pattern,
            "single_use": self.single_use,
            "requested_by": self.requested_by,
            "revoked_at": iso(self.revoked_at),
            "revoked_by": self.revoked_by,
            "used_at": iso(self.used_at),
            "use_count": self.use_count,
        }


@dataclass(frozen=True)
class SecretMeta:
    name: str
    description: str
    created_at: float
    updated_at: float
    last_leased_at: float | None
    last_used_at: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "last_leased_at": iso(self.last_leased_at),
            "last_used_at": iso(self.last_used_at),
        }


class SecretNameError(ValueError):
    pass


def validate_name(name: str) -> str:
    """`name` if it is a usable secret name, else SecretNameError with one sentence."""
    if not _NAME_RE.fullmatch(name or ""):
        raise SecretNameError(
            f"invalid secret name {name!r}: use letters, digits, '_', '.', '@' or '-' "
            "(at most 128, not starting with '.', '@' or '-')")
    return name
