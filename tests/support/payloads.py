"""Agent hook payloads in the shapes the agents send."""

from __future__ import annotations

import time
from typing import Any


def claude_code_payload(command: str | None = None, *, session: str = "sess-1",
                        cwd: str = "/tmp", tool: str = "Bash",
                        tool_input: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Claude Code PreToolUse payload (a Bash call unless `tool`/`tool_input` say else)."""
    return {
        "session_id": session, "transcript_path": "/tmp/t.jsonl", "cwd": cwd,
        "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool,
        "tool_input": tool_input if tool_input is not None else {"command": command},
        "tool_use_id": f"toolu_{time.monotonic_ns()}",
    }
