"""Claude Code PreToolUse payload -> Action.

The payload is `{"session_id", "transcript_path", "cwd", "permission_mode", "hook_event_name",
"tool_name", "tool_input", "tool_use_id", ...}`. Claude Code adds top-level fields over time, so
unknown top-level keys are tolerated (and never fingerprinted); the fields we need are checked.
"""

from __future__ import annotations

from typing import Any

from approvald.actions import (
    AGENT_TASK,
    FS_READ,
    FS_WRITE,
    MCP_CALL,
    NET_HTTP,
    PROCESS_EXEC,
    TOOL_OTHER,
    Action,
    ActionError,
    normalize_path,
    normalize_url,
)

AGENT = "claude-code"

# Keys that label a call without changing what it does.
_INCIDENTAL = {"description"}

# tool name -> (kind, keys holding a path)
_FILE_TOOLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Read": (FS_READ, ("file_path",)),
    "Write": (FS_WRITE, ("file_path",)),
    "Edit": (FS_WRITE, ("file_path",)),
    "MultiEdit": (FS_WRITE, ("file_path",)),
    "NotebookEdit": (FS_WRITE, ("notebook_path",)),
    "NotebookRead": (FS_READ, ("notebook_path",)),
    "Glob": (FS_READ, ("path",)),
    "Grep": (FS_READ, ("path",)),
    "LS": (FS_READ, ("path",)),
}
# Tools whose path key is optional (default: the session's cwd).
_PATH_OPTIONAL = {"Glob", "Grep", "LS"}


def _field(payload: dict[str, Any], key: str, required: bool = True) -> str:
    value = payload.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ActionError(f"Claude Code payload needs a string field {key!r}")
    return value


def action_from_payload(payload: Any) -> Action:
    if not isinstance(payload, dict):
        raise ActionError("a Claude Code hook payload must be a JSON object")
    tool = _field(payload, "tool_name")
    tool_input = payload.get("tool_input", {})
    if not isinstance(tool_input, dict):
        raise ActionError("field 'tool_input' must be an object")
    session_id = _field(payload, "session_id", required=False)
    cwd_raw = _field(payload, "cwd", required=False)
    cwd = normalize_path(cwd_raw) if cwd_raw else ""
    normalized = {k: v for k, v in tool_input.items() if k not in _INCIDENTAL}
    derived: dict[str, Any] = {}

    if tool == "Bash":
        command = tool_input.get("command")
        if not isinstance(command, str):
            raise ActionError("Bash tool_input needs a string 'command'")
        kind = PROCESS_EXEC
        derived["command"] = command
    elif tool in _FILE_TOOLS:
        kind, keys = _FILE_TOOLS[tool]
        paths = []
        for key in keys:
            value = tool_input.get(key)
            if value is None and tool in _PATH_OPTIONAL:
                continue
            if not isinstance(value, str) or not value:
                raise ActionError(f"{tool} tool_input needs a string {key!r}")
            normalized[key] = normalize_path(value, cwd)
            paths.append(normalized[key])
        if not paths and cwd:
            paths.append(cwd)  # Glob/Grep/LS without a path search the session's cwd
        derived["paths"] = tuple(paths)
        if tool == "MultiEdit" and not isinstance(tool_input.get("edits", []), list):
            raise ActionError("MultiEdit tool_input 'edits' must be a list")
    elif tool == "WebFetch":
        url = tool_input.get("url")
        if not isinstance(url, str):
            raise ActionError("WebFetch tool_input needs a string 'url'")
        kind = NET_HTTP
        normalized["url"] = derived["url"] = normalize_url(url)
        normalized["method"] = "GET"
    elif tool == "WebSearch":
        kind = NET_HTTP
        if not isinstance(tool_input.get("query"), str):
            raise ActionError("WebSearch tool_input needs a string 'query'")
    elif tool in ("Task", "Agent"):
        kind = AGENT_TASK
    elif tool.startswith("mcp__"):
        server, _, mcp_tool = tool[len("mcp__"):].partition("__")
        if not server or not mcp_tool:
            raise ActionError(f"MCP tool name {tool!r} is not mcp__<server>__<tool>")
        kind = MCP_CALL
        derived["mcp_server"] = server
        derived["mcp_tool"] = mcp_tool
        normalized = dict(tool_input)  # MCP arguments are all meaningful
    else:
        kind = TOOL_OTHER
        normalized = dict(tool_input)

    return Action(
        kind=kind,
        tool=tool,
        input=normalized,
        agent=AGENT,
        session_id=session_id,
        cwd=cwd,
        **derived,
    )
