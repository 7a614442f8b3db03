"""The words of a decision, and of an approval's life.

A policy decides one of ALLOW, REQUIRE_APPROVAL, DENY (in that order of strength: DENY wins).
A REQUIRE_APPROVAL opens an approval that is pending until a person approves or denies it or
its time runs out; an approval admits its fingerprint once, or for the rest of the session.
"""

from __future__ import annotations

ALLOW = "ALLOW"
DENY = "DENY"
REQUIRE_APPROVAL = "REQUIRE_APPROVAL"
DECISIONS = (ALLOW, REQUIRE_APPROVAL, DENY)  # in order of strength: DENY wins
_STRENGTH = {d: i for i, d in enumerate(DECISIONS)}

PENDING = "pending"
APPROVED = "approved"
DENIED = "denied"
EXPIRED = "expired"
STATUSES = (PENDING, APPROVED, DENIED, EXPIRED)

SCOPE_ONCE = "once"
SCOPE_SESSION = "session"
SCOPES = (SCOPE_ONCE, SCOPE_SESSION)
# "Always allow" on an agent's own permission prompt: the agent keeps the rule in its settings
# (never an approval's scope: the approval itself is approved once).
SCOPE_ALWAYS = "always"

# An approved request's grant: it may still admit its fingerprint (`standing`), was used up
# (`used`), withdrawn by the person (`revoked`), ran out unused (`expired`), or never stood
# because the agent had stopped waiting before the person approved (`none`).
GRANT_STANDING = "standing"
GRANT_USED = "used"
GRANT_REVOKED = "revoked"
GRANT_EXPIRED = "expired"
GRANT_NONE = "none"
# A once-grant nobody waits for (the hook went away, or asked with wait=false) admits the
# identical request only this long after the person approved it.
ONCE_GRANT_TTL_S = 60.0

# Who decided an approval: the surface it came through (never what a request claims), or the
# daemon itself.
BY_CLI = "cli"
BY_DASHBOARD = "dashboard"
BY_TIMEOUT = "timeout"
BY_DAEMON = "daemon"
BY_SESSION_END = "session-end"  # the agent session ended: its pending approvals expire
BY_AGENT = "agent"  # the agent's own prompt was answered there (a Claude Code permission prompt)
OPERATOR_SURFACES = (BY_CLI, BY_DASHBOARD)


def stronger(a: str, b: str) -> str:
    return a if _STRENGTH[a] >= _STRENGTH[b] else b
