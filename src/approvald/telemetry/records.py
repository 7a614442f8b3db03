"""approvald's records as OpenTelemetry log records (events), before any encoding.

An audit record becomes one `LogEvent`:

- event name `approvald.decision` (a decision), `approvald.approval` (an approval settled:
  approved, denied, expired), else `approvald.` + the record's event (`approvald.lease.used`,
  `approvald.approval.requested`, ...; a record kind added later, such as the MCP gateway's pin
  changes, is exported the same way without a change here);
- its time is the record's `ts`; its severity says how much a reader should care (a DENY, a
  denied approval or a refused lease is WARN);
- attributes: every scalar field `F` of the record as `approvald.F` (lists of scalars as
  arrays; nested objects are left out), the chain position as `approvald.audit.seq` /
  `approvald.audit.hash`, `approvald.project` (the project root of `cwd`), and the names other
  telemetry uses for the same things, so records join: the GenAI conventions'
  `gen_ai.operation.name = execute_tool`, `gen_ai.tool.name`, `gen_ai.tool.call.id` (the
  agent's tool_use_id), and Claude Code's `session.id`, `prompt.id`, `event.name`.

Everything passes through the redactor first (the audit log already holds redacted text; this
also catches a value this process learned since), and long strings are cut. Doctor findings
(`approvald.doctor.finding`, `approvald.doctor.resolved`) are not audit records; they come from
the daemon's event bus.

Standard library only: `approvald audit export --format jsonl` never needs the extra.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from approvald.model import events
from approvald.projects import project_root
from approvald.redaction import redact_obj

AttrValue = str | bool | int | float | list[str] | list[int] | list[float] | list[bool]

DECISION_EVENT = "approvald.decision"
APPROVAL_EVENT = "approvald.approval"
FINDING_EVENT = "approvald.doctor.finding"
RESOLVED_EVENT = "approvald.doctor.resolved"
EXECUTE_TOOL = "execute_tool"
MAX_VALUE = 4096  # characters kept of one attribute value (the audit log keeps the whole)

# OpenTelemetry severity numbers (logs data model).
INFO, WARN, ERROR = 9, 13, 17
_SEVERITY_TEXT = {INFO: "INFO", WARN: "WARN", ERROR: "ERROR"}
_FINDING_SEVERITY = {"high": ERROR, "medium": WARN, "low": INFO, "info": INFO}
_NAMES = {events.DECISION: DECISION_EVENT, events.APPROVAL_DECIDED: APPROVAL_EVENT}
_CHAIN = ("seq", "hash")  # exported as approvald.audit.*
_SKIPPED = ("ts", "event", "prev", "segment", "seq", "hash")
_ACTION_EVENTS = (events.DECISION, events.APPROVAL_REQUESTED, events.APPROVAL_DECIDED)
# Records a reader should look at; the MCP gateway's: a changed or flagged tool pin, an
# injection found, a request refused.
_WARN_EVENTS = frozenset({events.LEASE_REFUSED, events.POLICY_ERROR, events.MCP_PIN_CHANGED,
                          events.MCP_PIN_FLAGGED, events.MCP_INJECTION, events.MCP_REFUSED})


@dataclass(frozen=True)
class LogEvent:
    name: str
    time_ns: int
    severity: int
    body: str
    attributes: dict[str, AttrValue]

    @property
    def severity_text(self) -> str:
        return _SEVERITY_TEXT.get(self.severity, "INFO")


@functools.lru_cache(maxsize=1024)
def project_of(cwd: str) -> str:
    """The project a working directory belongs to: its nearest ancestor holding a project
    marker (`.git`, `.claude`, ...), else the directory itself."""
    root = project_root(cwd, Path.home())
    return str(root) if root is not None else cwd


def parse_ts(text: object) -> int | None:
    """Nanoseconds since the epoch from an ISO 8601 time (`Z` or an offset; naive is UTC)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1_000_000) * 1000


def _cut(text: str) -> str:
    if len(text) <= MAX_VALUE:
        return text
    return text[:MAX_VALUE] + f" [truncated: {len(text)} characters in all]"


def _value(value: Any) -> AttrValue | None:
    if isinstance(value, str):
        return _cut(value)
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple)) and value:
        kinds = {type(v) for v in value}
        if kinds <= {str}:
            return [_cut(v) for v in value]
        if len(kinds) == 1 and kinds <= {bool, int, float}:
            return list(value)
        return [_cut(str(v)) for v in value if isinstance(v, (str, bool, int, float))]
    if isinstance(value, (list, tuple)):
        return []
    return None


def _severity(record: Mapping[str, Any]) -> int:
    if record.get("decision") == "DENY" and record.get("event") == events.DECISION:
        return WARN
    if record.get("event") == events.APPROVAL_DECIDED and record.get("status") != "approved":
        return WARN
    if record.get("event") in _WARN_EVENTS:
        return WARN
    return INFO


def _body(record: Mapping[str, Any], name: str) -> str:
    """One line for a person reading the collector's log view."""
    summary = record.get("summary") or record.get("name") or record.get("approval_id") or ""
    if record.get("event") == events.DECISION:
        head = str(record.get("decision", ""))
    elif record.get("event") == events.APPROVAL_DECIDED:
        head = f"{record.get('status', '')} by {record.get('decided_by') or '?'}"
    else:
        head = name
    return _cut(f"{head}: {summary}" if summary else head)


def from_audit(record: Mapping[str, Any],
               project_of: Callable[[str], str] | None = None) -> LogEvent | None:
    """The log record for one audit record (None when it has no `event`)."""
    event = record.get("event")
    if not isinstance(event, str) or not event:
        return None
    clean = redact_obj(dict(record))
    name = _NAMES.get(event, "approvald." + event)
    attrs: dict[str, AttrValue] = {"event.name": name}
    for key, raw in clean.items():
        if key in _SKIPPED or raw is None:
            continue
        value = _value(raw)
        if value is not None:
            attrs[f"approvald.{key}"] = value
    for key in _CHAIN:
        if isinstance(clean.get(key), (int, str)):
            attrs[f"approvald.audit.{key}"] = clean[key]
    _join_keys(clean, attrs, event)
    cwd = clean.get("cwd")
    if isinstance(cwd, str) and cwd:
        attrs["approvald.project"] = project_of(cwd) if project_of else cwd
    return LogEvent(name=name, time_ns=parse_ts(clean.get("ts")) or time.time_ns(),
                    severity=_severity(clean), body=_body(clean, name), attributes=attrs)


def _join_keys(record: Mapping[str, Any], attrs: dict[str, AttrValue], event: str) -> None:
    """The names the agent's telemetry and the GenAI conventions give the same things."""
    if event in _ACTION_EVENTS:
        attrs["gen_ai.operation.name"] = EXECUTE_TOOL
        if isinstance(record.get("tool"), str):
            attrs["gen_ai.tool.name"] = _cut(record["tool"])
    for key, name in (("call_id", "gen_ai.tool.call.id"), ("session_id", "session.id"),
                      ("prompt_id", "prompt.id")):
        value = record.get(key)
        if isinstance(value, str) and value:
            attrs[name] = _cut(value)


def from_finding(finding: Mapping[str, Any], *, resolved: bool = False,
                 time_ns: int | None = None) -> LogEvent:
    """A doctor finding that appeared (or, `resolved`, went away: only its id is known)."""
    clean = redact_obj(dict(finding))
    name = RESOLVED_EVENT if resolved else FINDING_EVENT
    attrs: dict[str, AttrValue] = {"event.name": name}
    for key in ("id", "severity", "agent", "file", "line", "title", "detail", "fix"):
        value = _value(clean.get(key))
        if value is not None and value != "":
            attrs[f"approvald.finding.{key}"] = value
    severity = INFO if resolved else _FINDING_SEVERITY.get(str(clean.get("severity")), INFO)
    title = clean.get("title") or clean.get("id") or ""
    body = f"resolved: {title}" if resolved else f"{clean.get('severity', '')}: {title}"
    return LogEvent(name=name, time_ns=time_ns or time.time_ns(), severity=severity,
                    body=_cut(body), attributes=attrs)
