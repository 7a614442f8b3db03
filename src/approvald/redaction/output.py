"""A tool's output, redacted before the agent's model reads it, and a failed tool's output
checked (Claude Code's PostToolUse and PostToolUseFailure; docs/HOOKS.md).

The output keeps its shape: the same object with the same types, only strings that hold a
secret changed, keys included (`redact_output_obj`), since an agent ignores a replacement that
does not match its tool's output schema (a key that is a secret is replaced like any text, and
kept distinct). Known values (leased secrets) are replaced in every form the redactor knows;
secret-looking text by its shape, read as tool output (code stays as written).
What was replaced is counted by kind (`[REDACTED:KIND]` marks added), never recorded as text.

A failed tool's output cannot be replaced (Claude Code offers no rewrite for PostToolUseFailure):
when it holds a secret, the answer ends the agent's turn, so the model does not act on it
before the person has seen why.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from approvald.agents.base import EventAnswer
from approvald.redaction.text import redact_output_obj, redact_output_text

# A secret's name may be 128 characters long (model/leases.py).
_MARKS = re.compile(r"\[REDACTED:([^\]\s]{1,128})\]")


def marks(obj: Any) -> Counter[str]:
    """`[REDACTED:KIND]` marks in every string of JSON-like `obj`, keys included, by kind."""
    found: Counter[str] = Counter()
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "[REDACTED:" in item:
                found.update(_MARKS.findall(item))
        elif isinstance(item, dict):
            stack.extend(item)  # keys are redacted too
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def redact_tool_output(response: Any, known: Iterable[tuple[str, str]] = ()) -> tuple[
        Any, Counter[str]]:
    """(`response` with its secrets replaced, what was replaced by kind); `response` itself
    when nothing was."""
    redacted = redact_output_obj(response, known)
    added = marks(redacted) - marks(response)
    return (redacted, added) if added else (response, Counter())


def _kinds_text(counts: Counter[str]) -> str:
    return ", ".join(f"{kind} x{n}" if n > 1 else kind for kind, n in sorted(counts.items()))


def tool_output_answer(fields: Mapping[str, Any], known: Iterable[tuple[str, str]],
                       unreadable: Iterable[str] = ()) -> tuple[EventAnswer, Counter[str]]:
    """The answer to a tool's output, and what was replaced. `unreadable` names leased secrets
    whose values could not be read: the output cannot be checked for them, so the turn ends."""
    missing = sorted(set(unreadable))
    if missing:
        return EventAnswer(stop=True, reason=(
            f"approvald could not read the leased secret(s) {', '.join(missing)} to check this "
            "tool's output for them, so Claude stops here")), Counter()
    redacted, counts = redact_tool_output(fields.get("response"), known)
    if not counts:
        return EventAnswer(), counts
    total = sum(counts.values())
    note = (f"approvald replaced {total} secret value(s) in this output ({_kinds_text(counts)}) "
            "with [REDACTED:...] marks: the values are withheld from you; do not copy the "
            "marks into files or commands.")
    return EventAnswer(output=redacted, context=note), counts


def tool_failure_answer(fields: Mapping[str, Any], known: Iterable[tuple[str, str]],
                        unreadable: Iterable[str] = ()) -> tuple[EventAnswer, Counter[str]]:
    """The answer to a failed tool's output: nothing, or the end of the turn when it holds a
    secret (or could not be checked)."""
    missing = sorted(set(unreadable))
    error = fields.get("error") or ""
    counts = marks(redact_output_text(error, known)) - marks(error)
    if missing:
        return EventAnswer(stop=True, reason=(
            f"approvald could not read the leased secret(s) {', '.join(missing)} to check this "
            "failed tool's output for them, so Claude stops here")), counts
    if not counts:
        return EventAnswer(), counts
    return EventAnswer(stop=True, reason=(
        f"approvald: the output of this failed {fields.get('tool') or 'tool'} call holds "
        f"{sum(counts.values())} secret value(s) ({_kinds_text(counts)}). Claude Code cannot "
        "replace a failed tool's output, so Claude stops here; the value is in this session's "
        "context now: revoke or rotate it if it matters.")), counts
