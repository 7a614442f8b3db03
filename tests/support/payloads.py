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


def _claude_common(event: str, session: str, cwd: str, mode: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"session_id": session,
                           "transcript_path": f"/home/dev/.claude/projects/x/{session}.jsonl",
                           "cwd": cwd, "hook_event_name": event}
    if mode is not None:
        doc["permission_mode"] = mode
    return doc


# Tool outputs in the shapes Claude Code's SDK types give (the hooks page's own Write example
# is shorter; readers must take both).
def bash_response(stdout: str, stderr: str = "") -> dict[str, Any]:
    return {"stdout": stdout, "stderr": stderr, "interrupted": False, "isImage": False}


def read_response(path: str, content: str) -> dict[str, Any]:
    lines = content.count("\n") + 1
    return {"type": "text", "file": {"filePath": path, "content": content, "numLines": lines,
                                     "startLine": 1, "totalLines": lines}}


def webfetch_response(url: str, result: str) -> dict[str, Any]:
    return {"bytes": len(result.encode()), "code": 200, "codeText": "OK", "result": result,
            "durationMs": 412, "url": url}


def claude_post_tool_use(tool: str, tool_input: dict[str, Any], response: Any, *,
                         session: str = "sess-1", cwd: str = "/tmp",
                         mode: str = "default") -> dict[str, Any]:
    return {**_claude_common("PostToolUse", session, cwd, mode), "tool_name": tool,
            "tool_input": tool_input, "tool_response": response,
            "tool_use_id": f"toolu_{time.monotonic_ns()}", "duration_ms": 12}


def claude_post_tool_use_failure(tool: str, tool_input: dict[str, Any], error: str, *,
                                 session: str = "sess-1", cwd: str = "/tmp") -> dict[str, Any]:
    return {**_claude_common("PostToolUseFailure", session, cwd, "default"), "tool_name": tool,
            "tool_input": tool_input, "tool_use_id": f"toolu_{time.monotonic_ns()}",
            "error": error, "is_interrupt": False, "duration_ms": 4187}


def claude_permission_request(tool: str, tool_input: dict[str, Any], *,
                              suggestions: list[dict[str, Any]] | None = None,
                              session: str = "sess-1", cwd: str = "/tmp",
                              mode: str = "default") -> dict[str, Any]:
    doc = {**_claude_common("PermissionRequest", session, cwd, mode), "tool_name": tool,
           "tool_input": tool_input}
    if suggestions is not None:
        doc["permission_suggestions"] = suggestions
    return doc


def claude_config_change(source: str, file_path: str | None, *, session: str = "sess-1",
                         cwd: str = "/tmp") -> dict[str, Any]:
    doc = {**_claude_common("ConfigChange", session, cwd, None), "source": source}
    if file_path is not None:
        doc["file_path"] = file_path
    return doc


def claude_session_start(*, session: str = "sess-1", cwd: str = "/tmp",
                         source: str = "startup") -> dict[str, Any]:
    return {**_claude_common("SessionStart", session, cwd, None), "source": source,
            "model": "claude-sonnet-4-6"}


def claude_session_end(*, session: str = "sess-1", cwd: str = "/tmp",
                       reason: str = "prompt_input_exit") -> dict[str, Any]:
    return {**_claude_common("SessionEnd", session, cwd, None), "reason": reason}


def write_npm_bomb(project: Path, width: int = 44) -> None:
    """The analysis bomb of issue 11: a 9-byte `npm run a` whose package.json scripts nest
    `width` wide and 4 deep."""
    scripts = {"a": " && ".join(f"npm run b{i}" for i in range(width))}
    for i in range(width):
        scripts[f"b{i}"] = " && ".join(f"npm run c{j}" for j in range(width))
        scripts[f"c{i}"] = " && ".join(f"npm run d{j}" for j in range(width))
        scripts[f"d{i}"] = "echo ok"
    (project / "package.json").write_text(json.dumps({"name": "bomb", "scripts": scripts}))
