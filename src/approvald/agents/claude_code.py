"""Claude Code: its PreToolUse payload, its answer, and where its hook is installed.

The payload is `{"session_id", "transcript_path", "cwd", "permission_mode", "hook_event_name",
"tool_name", "tool_input", "tool_use_id", ...}`. Claude Code adds top-level fields over time, so
unknown top-level keys are tolerated (and never fingerprinted); the fields we need are checked.

The answer: exit 0 with empty stdout is "no opinion" (Claude Code's own permission rules apply):
that is approvald's ALLOW. Everything else is a `hookSpecificOutput` with `permissionDecision`
`allow`, `deny` or `ask`. Claude Code treats a crash, a timeout, empty output or an exit code
other than 0/2 as "proceed", so every failure is rendered as an explicit deny.

The hook lives in `~/.claude/settings.json` (scope user), `<project>/.claude/settings.json`
(project) or `<project>/.claude/settings.local.json` (local), as a match-all PreToolUse group::

    {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": "/path/to/approvald hook claude-code", "timeout": 330}]}]}}
"""

from __future__ import annotations

import os

from approvald.agents.base import Agent, HookInstall, HookReply, Verdict
from approvald.model.kinds import (
    AGENT_TASK,
    FS_READ,
    FS_WRITE,
    MCP_CALL,
    NET_HTTP,
    PROCESS_EXEC,
    TOOL_OTHER,
)

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

    from approvald.model.actions import Action

NAME = "claude-code"
EVENT = "PreToolUse"
_REPLY_PREFIX = '{"hookSpecificOutput": {'

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
    from approvald.model.actions import ActionError

    value = payload.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ActionError(f"Claude Code payload needs a string field {key!r}")
    return value


def _optional_str(payload: dict[str, Any], key: str) -> str:
    """A correlation id when the payload has a usable one ("" otherwise: never an error)."""
    value = payload.get(key)
    return value if isinstance(value, str) and len(value) <= 256 else ""


def claude_config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`~/.claude`, honouring $HOME (and Claude Code's own CLAUDE_CONFIG_DIR)."""
    from pathlib import Path

    env = os.environ if environ is None else environ
    if env.get("CLAUDE_CONFIG_DIR"):
        return Path(env["CLAUDE_CONFIG_DIR"]).expanduser()
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".claude"


def settings_file(scope: str, project: Path | None = None,
                  environ: Mapping[str, str] | None = None) -> Path:
    from pathlib import Path

    if scope == "user":
        return claude_config_dir(environ) / "settings.json"
    base = Path(os.path.abspath(project if project is not None else os.getcwd()))
    if scope == "project":
        return base / ".claude" / "settings.json"
    if scope == "local":
        return base / ".claude" / "settings.local.json"
    raise ValueError(f"unknown scope {scope!r} (one of user, project, local)")


def _entry(command: str, timeout: int) -> dict[str, Any]:
    return {"type": "command", "command": command, "timeout": timeout}


class ClaudeCode(Agent):
    name = NAME
    display_name = "Claude Code"
    native_ask = True
    install = HookInstall(scopes=("user", "project", "local"), event=EVENT, matcher="*",
                          settings_file=settings_file, entry=_entry)
    doctor_scanner = "claude_code"

    def render(self, verdict: Verdict) -> HookReply:
        if verdict.permission is None:
            return HookReply("")
        import json

        return HookReply(json.dumps({"hookSpecificOutput": {
            "hookEventName": EVENT,
            "permissionDecision": verdict.permission,
            "permissionDecisionReason": verdict.reason,
        }}, ensure_ascii=False))

    def is_reply(self, text: str) -> bool:
        return not text or text.startswith(_REPLY_PREFIX)

    def action(self, payload: object) -> Action:
        from approvald.model.actions import Action, ActionError, normalize_path, normalize_url

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

        # Correlation ids ride beside the action, never in its fingerprinted input.
        return Action(kind, tool, normalized, NAME, session_id, cwd, **derived,
                      call_id=_optional_str(payload, "tool_use_id"),
                      prompt_id=_optional_str(payload, "prompt_id"))


AGENT = ClaudeCode()
