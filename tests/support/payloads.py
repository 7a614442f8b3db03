"""Agent hook payloads in the shapes the agents send."""

from __future__ import annotations

import json
import time
from pathlib import Path
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


def write_npm_bomb(project: Path, width: int = 44) -> None:
    """The analysis bomb of issue 11: a 9-byte `npm run a` whose package.json scripts nest
    `width` wide and 4 deep."""
    scripts = {"a": " && ".join(f"npm run b{i}" for i in range(width))}
    for i in range(width):
        scripts[f"b{i}"] = " && ".join(f"npm run c{j}" for j in range(width))
        scripts[f"c{i}"] = " && ".join(f"npm run d{j}" for j in range(width))
        scripts[f"d{i}"] = "echo ok"
    (project / "package.json").write_text(json.dumps({"name": "bomb", "scripts": scripts}))
