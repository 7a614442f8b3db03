"""Event names: the `event` of an audit record and the `type` of a pushed event are one word.

The daemon publishes, the audit log records and the dashboard reacts to the same names; they
are defined here once.
"""

from __future__ import annotations

HELLO = "hello"  # first event of a stream: the daemon's status
DECISION = "decision"
APPROVAL_REQUESTED = "approval.requested"  # audit only: the approval a decision opened
APPROVAL_CREATED = "approval.created"  # pushed: a new pending approval, in full
APPROVAL_DECIDED = "approval.decided"
POLICY_RELOADED = "policy.reloaded"
POLICY_ERROR = "policy.error"
FINDINGS = "findings"
SECRET_STORED = "secret.stored"
SECRET_REMOVED = "secret.removed"
LEASE_CREATED = "lease.created"
LEASE_USED = "lease.used"
LEASE_REVOKED = "lease.revoked"
LEASE_EXPIRED = "lease.expired"
LEASE_REFUSED = "lease.refused"
OPERATOR_REFUSED = "operator.refused"  # audit only: an agent's process tried the operator's side

LEASE_EVENTS = (LEASE_CREATED, LEASE_USED, LEASE_REVOKED, LEASE_EXPIRED)
