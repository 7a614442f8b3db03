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
APPROVAL_AGENT_GONE = "approval.agent_gone"  # the asking hook stopped waiting (Approval inline)
APPROVAL_REVOKED = "approval.revoked"  # a standing grant withdrawn (Approval inline)
POLICY_RELOADED = "policy.reloaded"
POLICY_ERROR = "policy.error"
POLICY_RULE_ADDED = "policy.rule_added"  # audit only: "allow commands like this" wrote a rule
FINDINGS = "findings"
SECRET_STORED = "secret.stored"
SECRET_REMOVED = "secret.removed"
LEASE_CREATED = "lease.created"
LEASE_USED = "lease.used"
LEASE_REVOKED = "lease.revoked"
LEASE_EXPIRED = "lease.expired"
LEASE_REFUSED = "lease.refused"
OPERATOR_REFUSED = "operator.refused"  # audit only: an agent's process tried the operator's side
OUTPUT_REDACTED = "output.redacted"  # secrets taken out of a tool's output (counts, never values)
SESSION_STARTED = "session.started"  # an agent session began (or was first seen)
SESSION_UPDATED = "session.updated"  # its permission mode changed
SESSION_ENDED = "session.ended"  # it ended: its pending approvals expired
CONFIG_CHANGED = "config.changed"  # an agent's settings changed mid-session (`blocked` or not)

SESSION_EVENTS = (SESSION_STARTED, SESSION_UPDATED, SESSION_ENDED)

LEASE_EVENTS = (LEASE_CREATED, LEASE_USED, LEASE_REVOKED, LEASE_EXPIRED)

# The MCP gateway: tool pins (model/pins.py) and what it finds in what upstream servers send.
MCP_PIN_ADDED = "mcp.pin.added"  # a tool seen for the first time (`later`: the server had pins)
MCP_PIN_CHANGED = "mcp.pin.changed"  # a tool's definition differs from its pin: withheld
MCP_PIN_FLAGGED = "mcp.pin.flagged"  # a new tool withheld for its description's findings
MCP_PIN_ACCEPTED = "mcp.pin.accepted"  # a person accepted the definition seen
MCP_INJECTION = "mcp.injection"  # prompt-injection findings in a description or a result
MCP_REFUSED = "mcp.refused"  # the gateway refused an upstream's request (sampling, roots...)

MCP_PIN_EVENTS = (MCP_PIN_ADDED, MCP_PIN_CHANGED, MCP_PIN_FLAGGED, MCP_PIN_ACCEPTED)
# What a gateway may report through the daemon (the pin events are the daemon's own).
MCP_GATEWAY_REPORTS = (MCP_INJECTION, MCP_REFUSED)
