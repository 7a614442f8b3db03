"""Kind-level normalization shared by every adapter."""

from __future__ import annotations

from typing import Any

from approvald.actions import (
    AGENT_TASK,
    FS_READ,
    FS_WRITE,
    MCP_CALL,
    NET_HTTP,
    PROCESS_EXEC,
    Action,
    ActionError,
    normalize_path,
    normalize_url,
)


def _require_str(tool_input: dict[str, Any], key: str, kind: str) -> str:
    value = tool_input.get(key)
    if not isinstance(value, str):
        raise ActionError(f"{kind} needs a string field 'input.{key}'")
    return value


def build_action(
    *,
    kind: str,
    tool: str,
    tool_input: dict[str, Any],
    agent: str,
    session_id: str,
    cwd: str,
) -> Action:
    """An action from approvald's own vocabulary (`command`, `path`/`paths`, `url`, ...)."""
    cwd = normalize_path(cwd) if cwd else ""
    normalized = dict(tool_input)
    derived: dict[str, Any] = {}
    if kind == PROCESS_EXEC:
        derived["command"] = _require_str(tool_input, "command", kind)
    elif kind in (FS_READ, FS_WRITE):
        raw_paths: list[Any]
        if "paths" in tool_input:
            raw_paths = tool_input["paths"]
            if not isinstance(raw_paths, list) or not all(isinstance(p, str) for p in raw_paths):
                raise ActionError(f"{kind} field 'input.paths' must be a list of strings")
        else:
            raw_paths = [_require_str(tool_input, "path", kind)]
        paths = tuple(normalize_path(p, cwd) for p in raw_paths)
        if "paths" in tool_input:
            normalized["paths"] = list(paths)
        else:
            normalized["path"] = paths[0]
        derived["paths"] = paths
    elif kind == NET_HTTP:
        if "url" in tool_input:
            url = normalize_url(_require_str(tool_input, "url", kind))
            normalized["url"] = url
            derived["url"] = url
        normalized["method"] = str(tool_input.get("method", "GET")).upper()
    elif kind == MCP_CALL:
        derived["mcp_server"] = _require_str(tool_input, "server", kind)
        derived["mcp_tool"] = _require_str(tool_input, "tool", kind)
    elif kind == AGENT_TASK:
        _require_str(tool_input, "prompt", kind)
    return Action(
        kind=kind,
        tool=tool,
        input=normalized,
        agent=agent,
        session_id=session_id,
        cwd=cwd,
        **derived,
    )
