"""Plain functions that turn the daemon's JSON into what the dashboard shows.

No Textual here, so these are easy to test and reuse. Times come from an injectable clock
(`Clock`) so snapshots and tests are deterministic.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from approvald.model.escalations import words as escalation_words

Clock = Callable[[], datetime]
Approval = dict[str, Any]
Event = dict[str, Any]

SHORT_FINGERPRINT_HEX = 12


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def parse_ts(value: Any) -> datetime | None:
    """ISO 8601 (with `Z` or an offset; naive means UTC) or epoch seconds -> aware datetime."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def fmt_duration(seconds: float) -> str:
    """A compact duration: 7s, 2m05s, 1h02m."""
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def age(approval: Approval, now: datetime) -> str:
    created = parse_ts(approval.get("created_at"))
    return fmt_duration((now - created).total_seconds()) if created else "?"


def countdown(approval: Approval, now: datetime) -> str:
    """Time left before the daemon denies it by itself."""
    expires = parse_ts(approval.get("expires_at"))
    if expires is None:
        return "-"
    left = (expires - now).total_seconds()
    return fmt_duration(left) if left > 0 else "expired"


def seconds_left(approval: Approval, now: datetime) -> float | None:
    expires = parse_ts(approval.get("expires_at"))
    return None if expires is None else (expires - now).total_seconds()


def project(cwd: Any) -> str:
    """The cwd's folder name: what a person calls the project."""
    if not isinstance(cwd, str) or not cwd:
        return "-"
    trimmed = cwd.rstrip("/\\")
    if not trimmed:
        return cwd
    return trimmed.replace("\\", "/").rsplit("/", 1)[-1]


def short_fingerprint(fingerprint: Any) -> str:
    if not isinstance(fingerprint, str) or not fingerprint:
        return "-"
    digest = fingerprint.split(":", 1)[-1]
    return digest[:SHORT_FINGERPRINT_HEX]


def clock_time(value: Any, tz: timezone | None) -> str:
    """HH:MM:SS of an event timestamp, in `tz` (None: the local zone)."""
    parsed = parse_ts(value)
    if parsed is None:
        return "--:--:--"
    return parsed.astimezone(tz).strftime("%H:%M:%S")


def one_line(text: Any, limit: int = 200) -> str:
    value = str(text or "").replace("\r", " ").replace("\n", " ⏎ ")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def action_input(approval: Approval) -> dict[str, Any]:
    action = approval.get("action")
    if isinstance(action, dict) and isinstance(action.get("input"), dict):
        return dict(action["input"])
    return {}


def command_of(approval: Approval) -> str | None:
    """The shell line of a process.exec action, if that is what it is."""
    command = action_input(approval).get("command")
    if isinstance(command, str):
        return command
    if approval.get("kind") == "process.exec" and isinstance(approval.get("summary"), str):
        return str(approval["summary"])
    return None


def trigger_span(command: str, trigger: Any) -> tuple[int, int] | None:
    """Where in `command` the sub-command that triggered the rule is, as (start, end)."""
    if not isinstance(trigger, str) or not trigger.strip():
        return None
    start = command.find(trigger)
    if start < 0:
        start = command.find(trigger.strip())
        trigger = trigger.strip()
    return (start, start + len(trigger)) if start >= 0 else None


def offset_to_line_col(text: str, offset: int) -> tuple[int, int]:
    """A character offset -> (1-based line, 0-based column), as rich's Syntax counts."""
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1)
    return line, column


def _unified(path: str, old: str, new: str) -> list[str]:
    name = path.lstrip("/")
    return list(difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=f"a/{name}", tofile=f"b/{name}",
        lineterm="",
    ))


TARGET_LABELS = {"fs.read": "File", "fs.write": "File", "net.http": "URL",
                 "mcp.call": "MCP tool", "agent.task": "Task"}


def target_label(approval: Approval) -> str:
    """What the summary of a non-shell action is, for a heading."""
    return TARGET_LABELS.get(str(approval.get("kind")), "Target")


def diff_of(approval: Approval) -> str | None:
    """A unified diff for a file write or edit (Write, Edit, MultiEdit, NotebookEdit), or the
    patch itself for an apply_patch (Codex, Copilot CLI, Cursor: already diff-like)."""
    data = action_input(approval)
    if isinstance(data.get("patch"), str) and data["patch"].strip():
        return str(data["patch"]).strip("\n")
    path = str(data.get("file_path") or data.get("notebook_path") or approval.get("summary") or "")
    lines: list[str] = []
    if isinstance(data.get("old_string"), str) or isinstance(data.get("new_string"), str):
        lines = _unified(path, str(data.get("old_string") or ""), str(data.get("new_string") or ""))
    elif isinstance(data.get("edits"), list):
        for edit in data["edits"]:
            if isinstance(edit, dict):
                lines += _unified(path, str(edit.get("old_string") or ""),
                                  str(edit.get("new_string") or ""))
    elif isinstance(data.get("content"), str):
        lines = _unified(path, "", data["content"])
        if lines:
            lines[0] = "--- /dev/null (file written whole)"
    elif isinstance(data.get("new_source"), str):
        lines = _unified(path, "", data["new_source"])
    return "\n".join(lines) if lines else None


def fetch_of(approval: Approval) -> tuple[str, str] | None:
    """(method, URL) for a network action."""
    data = action_input(approval)
    url = data.get("url")
    if not isinstance(url, str):
        return None
    method = data.get("method")
    return (method if isinstance(method, str) else "GET"), url


def decision_label(event: Event) -> str:
    """What an activity row says happened: ALLOW, DENY, ASKED, ADMITTED (by a standing
    grant), APPROVED, DENIED, EXPIRED, REVOKED, AGENT GONE, ..."""
    kind = event.get("type")
    if kind == "approval.revoked":
        return "REVOKED"
    if kind == "approval.agent_gone":
        return "AGENT GONE"
    if kind in ("approval.decided", "approval.created"):
        status = str(event.get("status") or "").upper()
        return status or "PENDING"
    decision = str(event.get("decision") or kind or "?")
    if decision == "REQUIRE_APPROVAL":
        return "ADMITTED" if event.get("approval_status") == "granted" else "ASKED"
    return decision


def activity_why(event: Event) -> str:
    """The last column of an activity row: the rules and the policy's reason, and for a
    person's decision who decided and, quoted, what they wrote (never the policy's words
    passed off as theirs)."""
    rules = ", ".join(str(r) for r in event.get("rules") or [])
    policy = " · ".join(p for p in (rules, str(event.get("reason") or "")) if p)
    kind = event.get("type")
    if kind == "decision" and event.get("approval_status") == "granted":
        scope = event.get("scope") or "once"
        return f"by {scope} grant {event.get('approval_id')} · asked because {policy}"
    if kind == "approval.revoked":
        return f"grant withdrawn by {event.get('revoked_by') or '?'}"
    if kind == "approval.agent_gone":
        return "its hook stopped waiting: approving it lets nothing through"
    if kind == "approval.decided":
        who = str(event.get("decided_by") or "?")
        words = event.get("decision_reason")
        if words and who in ("cli", "dashboard"):
            said = f'{who} wrote "{words}"'  # the person's own words, quoted
        else:
            said = f"by {who}" + (f" ({words})" if words else "")
        return f"{said} · asked because {policy}" if policy else said
    return policy


def lease_request(approval: Approval) -> dict[str, str] | None:
    """An agent asking for a lease (`approvald lease NAME --ttl 10m --for 'gh *'`): its
    secret, lifetime, command pattern, session and use; None for anything else."""
    command = command_of(approval)
    if not command or "lease" not in command:
        return None
    words = escalation_words(command)
    for index in range(len(words) - 1):
        if words[index].rsplit("/", 1)[-1] == "approvald" and words[index + 1] == "lease":
            rest = words[index + 2:]
            break
    else:
        return None
    if rest[:1] == ["create"]:
        rest = rest[1:]
    if not rest or rest[0] in ("list", "revoke", "show") or rest[0].startswith("-"):
        return None
    found = {"Secret": rest[0], "TTL": "default (lease_ttl_s, 10m)", "For": "any command",
             "Session": "any", "Use": "until it expires"}
    flags = {"--ttl": "TTL", "--for": "For", "--session": "Session"}
    items = iter(rest[1:])
    for word in items:
        name, _, value = word.partition("=")
        if name in flags:
            found[flags[name]] = value or next(items, "")
        elif word == "--single-use":
            found["Use"] = "once"
    return found


def matches_filter(texts: list[str], needle: str) -> bool:
    """Case-insensitive: every word of the filter appears somewhere in the row."""
    words = needle.lower().split()
    if not words:
        return True
    haystack = " ".join(texts).lower()
    return all(word in haystack for word in words)


def approval_of(event: Event) -> Approval:
    """`approval.*` events carry the Approval, either inline or under `approval`."""
    inner = event.get("approval")
    return dict(inner) if isinstance(inner, dict) else dict(event)
