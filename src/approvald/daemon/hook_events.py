"""An agent's hook events besides the pre-tool decision, answered by the daemon
(`POST /v1/hook/{agent}/{event}`; docs/API.md, docs/HOOKS.md).

Each kind has its use case: a tool's output redacted (here), sessions registered
(`daemon/sessions.py`), settings changes checked (`daemon/config_guard.py`), the agent's own
permission prompts shown as approvals (`daemon/prompts.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

from approvald.agents.base import (
    CONFIG_CHANGE,
    PERMISSION_PROMPT,
    SESSION_END,
    SESSION_START,
    TOOL_FAILURE,
    TOOL_OUTPUT,
    Agent,
    EventAnswer,
    HookEvent,
)
from approvald.daemon.context import DaemonContext
from approvald.daemon.decisions import audit_durable
from approvald.model import events
from approvald.redaction.output import tool_failure_answer, tool_output_answer

log = logging.getLogger("approvald.daemon")


async def answer(ctx: DaemonContext, agent: Agent, event: HookEvent, payload: Any,
                 agent_pid: int | None, disconnected: Any = None) -> EventAnswer:
    """approvald's answer to `event` (ActionError when the payload is not usable)."""
    fields = agent.event_payload(event, payload)
    if event.kind == SESSION_START:
        ctx.agent_sessions.started(agent.name, fields, agent_pid)
        return EventAnswer()
    ctx.agent_sessions.saw(agent.name, fields, agent_pid)
    if event.kind in (TOOL_OUTPUT, TOOL_FAILURE):
        return await _tool_output(ctx, agent, event, fields)
    if event.kind == SESSION_END:
        ctx.agent_sessions.ended(str(fields.get("session_id") or ""),
                                 str(fields.get("reason") or "ended"))
        return EventAnswer()
    if event.kind == CONFIG_CHANGE:
        from approvald.daemon import config_guard

        answer = await asyncio.to_thread(config_guard.check, ctx, agent, fields)
        await _written(ctx)
        return answer
    if event.kind == PERMISSION_PROMPT:
        from approvald.daemon import prompts

        return await prompts.ask(ctx, agent, payload, fields, disconnected)
    return EventAnswer()


async def _tool_output(ctx: DaemonContext, agent: Agent, event: HookEvent,
                       fields: dict[str, Any]) -> EventAnswer:
    if event.kind == TOOL_OUTPUT:
        # The tool ran: an agent prompt for it was answered in the agent's own dialog.
        ctx.agent_sessions.tool_ran(agent.name, fields)
    known, unreadable = await asyncio.to_thread(ctx.credentials.leased_values)
    if event.kind == TOOL_OUTPUT:
        result, counts = tool_output_answer(fields, known, unreadable)
    else:
        result, counts = tool_failure_answer(fields, known, unreadable)
    if counts or result.stop:
        _report(ctx, agent, event, fields, counts, result)
        await _written(ctx)
    return result


async def _written(ctx: DaemonContext) -> None:
    """Wait (a little) until the records so far are on disk: the agent goes on only once the
    redaction or settings change is in the audit log. The answer stands either way."""
    try:
        await audit_durable(ctx)
    except Exception as exc:
        log.warning("a redaction record is not on disk yet: %s", exc)


def _report(ctx: DaemonContext, agent: Agent, event: HookEvent, fields: dict[str, Any],
            counts: Counter[str], result: EventAnswer) -> None:
    """Every redaction in the audit log and on the event stream: counts by kind, never a
    value."""
    record = {
        "event": events.OUTPUT_REDACTED, "agent": agent.name, "hook_event": event.name,
        "session_id": fields.get("session_id") or "", "cwd": fields.get("cwd") or "",
        "tool": fields.get("tool") or "", "count": sum(counts.values()),
        "kinds": dict(sorted(counts.items())),
        "action": "stopped" if result.stop else "replaced",
    }
    if fields.get("tool_use_id"):
        record["call_id"] = fields["tool_use_id"]
    if result.stop:
        record["reason"] = result.reason
    log.info("%s output of %s: %d secret(s) %s", agent.name, record["tool"], record["count"],
             record["action"])
    ctx.report(record, events.OUTPUT_REDACTED, {k: v for k, v in record.items() if k != "event"})
