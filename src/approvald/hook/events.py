"""No daemon answers one of an agent's other hook events: it is answered here (docs/HOOKS.md).

- A tool's output is redacted here with the same redactor. Leased values are read from the
  keyring when any lease is active (the daemon would know them); when they cannot be read, the
  turn ends rather than unchecked output reaching the model.
- A failed tool's output is checked the same way.
- A settings change is checked without the daemon's memory of the files: blocked when it turns
  hooks off or leaves approvald's entries in that file weaker than install writes them.
- A permission prompt gets no decision: the agent's own dialog asks the person.
- A session's start or end has nothing to register.

Every record goes to the same audit chain, marked `mode: local`. Anything that fails here is the
event's fail-closed answer.
"""

from __future__ import annotations

from typing import Any

from approvald.agents.base import (
    CONFIG_CHANGE,
    TOOL_FAILURE,
    TOOL_OUTPUT,
    Agent,
    EventAnswer,
    HookEvent,
    HookReply,
)
from approvald.model import events
from approvald.model.actions import ActionError
from approvald.wire.jsontext import JsonTextError, loads_object


def local_event_reply(agent: Agent, event: HookEvent, raw: bytes, why: str) -> HookReply:
    try:
        try:
            payload = loads_object(raw)
        except JsonTextError as exc:
            return agent.event_failure(event, f"approvald: hook input {exc}")
        try:
            fields = agent.event_payload(event, payload)
        except ActionError as exc:
            return agent.event_failure(event, f"approvald: unusable hook input: {exc}")
        if event.kind in (TOOL_OUTPUT, TOOL_FAILURE):
            answer = _tool_output(agent, event, fields, why)
        elif event.kind == CONFIG_CHANGE:
            answer = _config_change(agent, fields, why)
        else:
            answer = EventAnswer()
        return agent.render_event(event, answer)
    except Exception as exc:  # never fail open
        return agent.event_failure(event, f"approvald: hook error ({type(exc).__name__}: {exc})")


def leased_values() -> tuple[list[tuple[str, str]], list[str]]:
    """The daemon's `CredentialService.leased_values`, read here: (name, value) for every secret
    with an active lease, and the names the keyring would not give."""
    from approvald.paths import get_paths

    database = get_paths().database
    if not database.exists():
        return [], []
    from approvald.secrets.service import CredentialService
    from approvald.storage.database import Database
    from approvald.storage.leases import LeaseStore

    db = Database(database)
    try:
        return CredentialService(LeaseStore(db), lambda *args, **kwargs: None).leased_values()
    finally:
        db.close()


def _tool_output(agent: Agent, event: HookEvent, fields: dict[str, Any],
                 why: str) -> EventAnswer:
    from approvald.redaction.output import tool_failure_answer, tool_output_answer

    try:
        known, unreadable = leased_values()
    except Exception as exc:  # the database: nothing known about leases
        known, unreadable = [], [f"(leases unreadable: {exc})"]
    if event.kind == TOOL_OUTPUT:
        answer, counts = tool_output_answer(fields, known, unreadable)
    else:
        answer, counts = tool_failure_answer(fields, known, unreadable)
    if counts or answer.stop:
        record = {"event": events.OUTPUT_REDACTED, "agent": agent.name,
                  "hook_event": event.name, "session_id": fields.get("session_id") or "",
                  "cwd": fields.get("cwd") or "", "tool": fields.get("tool") or "",
                  "count": sum(counts.values()), "kinds": dict(sorted(counts.items())),
                  "action": "stopped" if answer.stop else "replaced", "mode": "local",
                  "why_local": why}
        if not _audit(record):
            return EventAnswer(stop=True, reason=(
                "approvald found secrets in this tool's output but cannot write its audit log, "
                "so Claude stops here"))
    return answer


def _config_change(agent: Agent, fields: dict[str, Any], why: str) -> EventAnswer:
    from approvald.install.coverage import config_change_answer

    answer, record, _ = config_change_answer(agent, fields, baseline=None)
    if not _audit({**record, "mode": "local", "why_local": why}) and not answer.block:
        return EventAnswer(block=True, reason=(
            "approvald cannot write its audit log, so this settings change is not applied to "
            "the running session"))
    return answer


def _audit(record: dict[str, Any]) -> bool:
    """The record in the audit chain, synced; False when it cannot be written."""
    try:
        from approvald.audit import AuditLog
        from approvald.paths import get_paths

        with AuditLog(get_paths().audit, fsync=True) as audit:
            audit.append(record)
    except Exception:
        return False
    return True
