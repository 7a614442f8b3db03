"""Adapters turn an agent's own payload into an `Action`.

Standard library only: the hook runs an adapter on every tool call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from approvald.actions import Action, ActionError, action_from_json

KNOWN_AGENTS = ("claude-code", "cursor", "gemini", "codex", "action")


def get_adapter(name: str) -> Callable[[Any], Action]:
    """The payload reader for `--from NAME`; ActionError for an agent without an adapter yet."""
    if name == "action":
        return action_from_json
    if name == "claude-code":
        from approvald.adapters.claude_code import action_from_payload

        return action_from_payload
    if name in KNOWN_AGENTS:
        raise ActionError(f"no adapter for {name!r} yet (available: claude-code, action)")
    raise ActionError(f"unknown agent {name!r} (known: {', '.join(KNOWN_AGENTS)})")
