"""The agent's own permission prompts, shown in approvald too (Claude Code's PermissionRequest;
docs/HOOKS.md, "Permission prompts").

When Claude Code is about to show its permission dialog, the request becomes an approval here
(the dashboard's Pending list, `approvals list`), and the hook waits for a person. Claude Code
shows its own dialog at the same time: whoever answers first wins.

- Approved here: the hook answers `allow`; with `--session`, also the narrow rule Claude Code
  should keep for the rest of the session (`updatedPermissions`, destination `session`); with
  `--always` (the dashboard's A), the rule for its local settings (destination `localSettings`)
  while approvald's own ALLOW rule for the request is written to the user's policies
  (daemon.proposals).
- Denied here: the hook answers `deny` with the person's words.
- Answered in Claude Code's dialog (the tool then ran, or the session moved on to another call),
  expired, or the daemon stopping: the approval is closed (`decided_by` `agent` when answered
  there) and the hook gives no decision, so Claude Code's own dialog stands. Nothing here can
  ever allow what the person did not.

These approvals are no grants for approvald's own decisions: their fingerprint is the action's
fingerprint bound to the word `prompt`, so no REQUIRE_APPROVAL of approvald's policy can use
one.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from approvald.agents.base import Agent, EventAnswer
from approvald.daemon.context import STOPPING, DaemonContext
from approvald.daemon.decisions import audit_durable, wait_for_person
from approvald.model import events
from approvald.model.approvals import Approval
from approvald.model.decisions import (
    APPROVED,
    BY_AGENT,
    DENIED,
    EXPIRED,
    REQUIRE_APPROVAL,
    SCOPE_ALWAYS,
)
from approvald.model.records import action_fields
from approvald.storage.approvals import AlreadyDecided

log = logging.getLogger("approvald.daemon")

PROMPT_RULE = "agent-permission-prompt"
ANSWERED_THERE = "answered in the agent's own permission dialog"


def is_prompt(approval: Approval) -> bool:
    """Whether the approval is an agent's own permission prompt (made by `ask`)."""
    return bool(approval.decision.get("prompt")) and PROMPT_RULE in approval.decision.get(
        "rules", ())


def prompt_fingerprint(action_fingerprint: str) -> str:
    """A fingerprint no action has: the prompt's approval can never grant a policy decision."""
    digest = hashlib.sha256(b"prompt\0" + action_fingerprint.encode("ascii")).hexdigest()
    return "sha256:" + digest


class OpenPrompts:
    """Prompts waiting for a person, to close those answered in the agent's own dialog."""

    def __init__(self, ctx: DaemonContext):
        self._ctx = ctx
        self._open: dict[str, tuple[str, str, Any]] = {}  # approval id -> (session, tool, input)
        self._always: set[str] = set()  # approved with "always": the agent keeps the rule
        ctx.agent_sessions.on_progress.append(self._progressed)

    def approve_always(self, approval_id: str) -> None:
        """Its approval (about to be decided) was "always allow": the hook's answer carries
        the rule the agent keeps in its settings."""
        self._always.add(approval_id)

    def take_always(self, approval_id: str) -> bool:
        """Whether `approval_id` was approved with "always" (asked once: then forgotten)."""
        if approval_id in self._always:
            self._always.discard(approval_id)
            return True
        return False

    def add(self, approval: Approval, tool: str, tool_input: Any) -> None:
        self._open[approval.id] = (approval.session_id, tool, tool_input)

    def discard(self, approval_id: str) -> None:
        self._open.pop(approval_id, None)

    def _progressed(self, agent: str, session_id: str, tool: str | None, tool_input: Any) -> None:
        """A later hook of the session (`tool` None), or its tool ran: the prompt is answered."""
        for approval_id, (session, open_tool, open_input) in list(self._open.items()):
            if session != session_id:
                continue
            if tool is not None and (tool != open_tool or tool_input != open_input):
                continue
            self.close(approval_id, ANSWERED_THERE)

    def close(self, approval_id: str, why: str) -> None:
        """The prompt no longer waits here: its approval expires, decided by the agent."""
        self.discard(approval_id)
        try:
            closed = self._ctx.approvals.decide(approval_id, EXPIRED, by=BY_AGENT, reason=why)
        except AlreadyDecided:
            return
        log.info("approval %s: %s", approval_id, why)
        self._ctx.approval_decided(closed)


async def ask(ctx: DaemonContext, agent: Agent, payload: Any, fields: dict[str, Any],
              disconnected: Any = None) -> EventAnswer:
    """Show the agent's prompt as an approval and wait for a person (ActionError when the
    payload is not usable)."""
    action = agent.action(payload)
    mode = str(fields.get("permission_mode") or "")
    decision: dict[str, Any] = {
        "decision": REQUIRE_APPROVAL,
        "reason": f"{agent.display_name} asks for permission (its own rules or mode"
                  + (f", mode {mode}" if mode else "") + "); answer here or in its dialog",
        "rules": [PROMPT_RULE], "fingerprint": prompt_fingerprint(action.fingerprint),
        "policy_hash": ctx.policy_hash or "", "trigger": None, "prompt": agent.name,
        "permission_mode": mode or None,
    }
    approval = ctx.approvals.create(action.to_json(), decision,
                                    fingerprint=decision["fingerprint"], summary=action.summary,
                                    timeout_s=ctx.settings.approval_timeout_s)
    prompts = ctx.open_prompts
    # As the agent names them: its output hook for the same call says the tool ran.
    prompts.add(approval, str(payload.get("tool_name") or action.tool), payload.get("tool_input"))
    record = {**action_fields(action), "rules": [PROMPT_RULE], "reason": decision["reason"],
              "fingerprint": decision["fingerprint"], "policy_hash": decision["policy_hash"],
              "approval_id": approval.id, "expires_at": approval.to_json()["expires_at"],
              "permission_mode": mode or None}
    ctx.audit.append({"event": events.APPROVAL_REQUESTED, **record})
    ctx.events.publish(events.APPROVAL_CREATED, approval.to_json())
    try:
        outcome = await wait_for_person(ctx, approval, disconnected)
    finally:
        prompts.discard(approval.id)
        always = prompts.take_always(approval.id)
    if outcome is None:  # the hook went away: the agent no longer waits for this answer
        prompts.close(approval.id, "the agent stopped waiting for an answer here")
        return EventAnswer()
    if outcome == STOPPING or not isinstance(outcome, Approval):
        return EventAnswer()  # Claude Code's dialog decides
    if outcome.status == APPROVED and ctx.approvals.consume(outcome.id):
        # As every ALLOW: only once its record is on disk; otherwise no answer here, and the
        # agent's own dialog asks the person.
        if ctx.audit_failure is not None:
            log.warning("approval %s: not answered allow: the audit log cannot be written (%s)",
                        outcome.id, ctx.audit_failure)
            return EventAnswer()
        try:
            await audit_durable(ctx)
        except Exception as exc:
            log.warning("approval %s: not answered allow: its record is not on disk (%s)",
                        outcome.id, str(exc) or type(exc).__name__)
            return EventAnswer()
        scope = SCOPE_ALWAYS if always else outcome.scope or ""
        permissions = agent.prompt_permissions(action.tool, action.input, scope)
        return EventAnswer(permission="allow", permissions=permissions)
    if outcome.status == DENIED:
        by = outcome.decided_by or "the operator"
        words = f": {outcome.decision_reason}" if outcome.decision_reason else ""
        return EventAnswer(permission="deny", reason=f"denied in approvald by {by}{words}")
    return EventAnswer()
