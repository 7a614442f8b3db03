""""Allow commands like this" from the daemon: the rule proposed for a pending approval (with
what it would have matched lately, and how many approvals it would have spared), and writing it
to the user's policies directory. The rule itself comes from approvald.policy.propose.

An agent's own permission prompt (daemon.prompts) gets a rule too, even where approvald's policy
allows the request (the person was asked all the same); with it goes the narrow rule the agent
keeps in its own settings (Claude Code: `updatedPermissions`, destination `localSettings`), which
the prompt's hook hands over once the approval is decided. No rule when the agent's own rules
cannot say the request that narrowly.

Blocking (analysis, file writes, a policy reload): call these off the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from approvald.agents import UnknownAgent, get_agent
from approvald.daemon.context import DaemonContext
from approvald.daemon.prompts import is_prompt
from approvald.model import events
from approvald.model.actions import Action, ActionError, action_from_json, build_action
from approvald.model.approvals import Approval
from approvald.model.decisions import SCOPE_ALWAYS
from approvald.model.kinds import FS_READ, FS_WRITE, MCP_CALL, NET_HTTP, PROCESS_EXEC
from approvald.policy.propose import APPROVED_FILE, NotProposable, Proposal, propose, write

log = logging.getLogger("approvald.daemon")

RECENT_ACTIONS = 300  # distinct recent actions the preview looks at
SHOWN = 20  # of which at most this many are named
PAST_APPROVALS = 200


def _evaluated(ctx: DaemonContext, approval: Approval) -> tuple[Action, Any]:
    """The approval's action and the policy in force's decision on it now."""
    if not ctx.has_engine:
        raise NotProposable("no policy is in force")
    try:
        action = action_from_json(approval.action)
    except ActionError as exc:
        raise NotProposable(f"this request cannot be read back ({exc})") from None
    engine: Any = ctx.engine
    return action, engine.evaluate(action)


def _proposal(ctx: DaemonContext, approval: Approval) -> tuple[Proposal, Action]:
    action, decision = _evaluated(ctx, approval)
    return _propose(ctx, approval, action, decision), action


def _propose(ctx: DaemonContext, approval: Approval, action: Action, decision: Any) -> Proposal:
    prompt = is_prompt(approval)
    if prompt:
        agent_rule(approval, action)  # NotProposable when the agent cannot keep one
    engine: Any = ctx.engine
    return propose(action, decision, engine, approval_id=approval.id, agent_prompt=prompt)


def agent_rule(approval: Approval, action: Action) -> dict[str, Any] | None:
    """For an agent's own permission prompt, the rule "always" hands the agent to keep in its
    settings (`permissions`, in the agent's terms, and their `summary`); None for approvald's
    own approvals. NotProposable when the agent's rules cannot say the request that narrowly."""
    if not is_prompt(approval):
        return None
    try:
        agent = get_agent(approval.agent)
    except UnknownAgent:
        raise NotProposable(f"{approval.agent or 'this agent'} is not an agent approvald "
                            "knows") from None
    permissions = agent.prompt_permissions(action.tool, action.input, SCOPE_ALWAYS)
    if not permissions:
        raise NotProposable(f"{agent.display_name}'s own permission rules cannot say this "
                            "request that narrowly; approve it once or for the session")
    kept = agent.permissions_summary(permissions)
    return {"agent": agent.name, "permissions": permissions,
            "summary": f"{agent.display_name} keeps {kept}" if kept else ""}


def _from_activity(event: dict[str, Any]) -> Action | None:
    """The action a recent decision event stands for (its summary is the command, path, URL
    or `server.tool`); None when it cannot be rebuilt."""
    kind, summary = event.get("kind"), event.get("summary")
    if not isinstance(summary, str) or not summary:
        return None
    tool_input: dict[str, Any] | None = {
        PROCESS_EXEC: {"command": summary}, FS_READ: {"path": summary},
        FS_WRITE: {"path": summary}, NET_HTTP: {"url": summary}}.get(str(kind))
    if kind == MCP_CALL and "." in summary:
        server, tool = summary.split(".", 1)
        tool_input = {"server": server, "tool": tool}
    if tool_input is None:
        return None
    try:
        return build_action(kind=str(kind), tool=str(event.get("tool") or kind),
                            tool_input=tool_input, agent=str(event.get("agent") or ""),
                            session_id=str(event.get("session_id") or ""),
                            cwd=str(event.get("cwd") or ""))
    except ActionError:
        return None


def _distinct(actions: Iterable[Action | None], limit: int) -> list[Action]:
    seen: set[tuple[str, str, str]] = set()
    found = []
    for action in actions:
        if action is None:
            continue
        key = (action.kind, action.cwd, action.summary)
        if key not in seen:
            seen.add(key)
            found.append(action)
            if len(found) >= limit:
                break
    return found


def explain(ctx: DaemonContext, approval: Approval) -> dict[str, Any]:
    """What the person reads beside an approval: each command the line runs, where (after its
    `cd`) and which rules matched it; every rule that matched and its layer; and, for a pending
    one, the rule "allow commands like this" would write (or why none is offered)."""
    action, decision = _evaluated(ctx, approval)
    engine: Any = ctx.engine
    commands = [{"text": " ".join(c["argv"]), "argv": list(c["argv"]), "cwd": c["cwd"],
                 "wrappers": list(c["wrappers"]), "via": c["via"], "dynamic": c["dynamic"],
                 "rules": list(c["matched"])} for c in decision.analysis]
    matches = [{"rule": m.rule, "decision": m.decision, "target": m.target,
                "layer": engine.layer_of(m.source)} for m in decision.matches]
    answer: dict[str, Any] = {"decision": decision.decision, "commands": commands,
                              "matches": matches, "proposal": None, "proposal_refused": None}
    if approval.status != "pending":
        answer["proposal_refused"] = f"approval {approval.id} is already {approval.status}"
        return answer
    try:
        proposal = _propose(ctx, approval, action, decision)
    except NotProposable as exc:
        answer["proposal_refused"] = str(exc)
    else:
        answer["proposal"] = _described(ctx, approval, action, proposal)
    return answer


def describe(ctx: DaemonContext, approval: Approval) -> dict[str, Any]:
    """The proposal for `approval` as the API answers it; NotProposable when none may be."""
    proposal, action = _proposal(ctx, approval)
    return _described(ctx, approval, action, proposal)


def _described(ctx: DaemonContext, approval: Approval, action: Action,
               proposal: Proposal) -> dict[str, Any]:
    engine: Any = ctx.engine
    recent = _distinct((_from_activity(e) for e in reversed(ctx.events.activity)),
                       RECENT_ACTIONS)
    matched = proposal.matches(recent, engine)
    past = []
    for grant in ctx.approvals.grants(standing_only=False, limit=PAST_APPROVALS):
        if grant.id != approval.id:
            try:
                past.append(action_from_json(grant.action))
            except ActionError:
                continue
    return {
        "rule_id": proposal.rule_id, "summary": proposal.summary, "text": proposal.text,
        "rule": proposal.rule, "overrides": list(proposal.overrides),
        "file": str(ctx.paths.policies / APPROVED_FILE),
        "would_have_matched": [{"summary": a.summary, "cwd": a.cwd, "agent": a.agent,
                                "kind": a.kind} for a in matched[:SHOWN]],
        "would_have_matched_count": len(matched),
        "approved_like_this": len(proposal.matches(past, engine)),
        "this_request_matches": bool(proposal.matches([action], engine)),
        "agent_rule": agent_rule(approval, action),
    }


def write_rule(ctx: DaemonContext, approval: Approval, by: str) -> dict[str, Any]:
    """Write the proposal for `approval` into the user's policies directory and put it in
    force; what was written. NotProposable when none may be."""
    proposal, action = _proposal(ctx, approval)
    path: Path = write(proposal, ctx.paths.policies)
    log.info("rule %s written to %s from approval %s by %s", proposal.rule_id, path,
             approval.id, by)
    ctx.report({"event": events.POLICY_RULE_ADDED, "rule_id": proposal.rule_id,
                "file": str(path), "approval_id": approval.id, "summary": proposal.summary,
                "by": by})
    policy_hash, error = ctx.reload_policy()
    return {"id": proposal.rule_id, "file": str(path), "summary": proposal.summary,
            "text": proposal.text, "policy_hash": policy_hash, "policy_error": error,
            "agent_rule": agent_rule(approval, action)}
