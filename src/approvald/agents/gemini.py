"""Google Gemini CLI: its BeforeTool payload, its answer, and where its hook is installed.

The payload is `{"session_id", "transcript_path", "cwd", "hook_event_name": "BeforeTool",
"timestamp", "tool_name", "tool_input", "mcp_context"?, ...}`. Tools: `run_shell_command`
(`command`, `dir_path`), `write_file` and `replace` (`file_path`), `read_file`,
`read_many_files`, `glob`, `grep_search`, `list_directory`, `web_fetch` (the URLs are inside
its `prompt`), `google_web_search`; MCP tools are `mcp_<server>_<tool>`, and `mcp_context`
names the server and tool exactly.

The answer is JSON on stdout, exit 0: `{"decision": "deny", "reason": ...}` blocks the tool
and the reason reaches the model. An allow is empty output ("no objection": Gemini's own
confirmation still applies). Gemini reads a timeout or a crash without output as "proceed",
and older versions have no "ask", so this module never renders one: anything that would ask is
a deny, and the daemon's route waits for the person first.

The hook lives in `~/.gemini/settings.json` (scope user) or `<project>/.gemini/settings.json`
(project) under `hooks.BeforeTool`, as a match-all group; its `timeout` is in milliseconds.
Hooks run only while `hooksConfig.enabled` is not false, and only in folders the person trusts
when folder trust is on (`approvald doctor` says so).
"""

from __future__ import annotations

from approvald.agents import base
from approvald.agents.base import DENY, HookReply, Verdict

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

    from approvald.agents.tools import Call
    from approvald.model.actions import Action

NAME = "gemini"
EVENT = "BeforeTool"
HOOK_NAME = "approvald"  # what `hooksConfig.disabled` and `/hooks disable` would name
_REPLY_PREFIX = '{"decision": "deny"'
MCP_PREFIX = "mcp_"

SHELL_TOOLS = ("run_shell_command",)
# tool -> (kind, keys that may hold the path, path optional)
FILE_TOOLS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "write_file": ("fs.write", ("file_path", "absolute_path", "path"), False),
    "replace": ("fs.write", ("file_path", "absolute_path", "path"), False),
    "read_file": ("fs.read", ("file_path", "absolute_path", "path"), False),
    "read_many_files": ("fs.read", ("include", "paths"), False),
    "glob": ("fs.read", ("dir_path", "path"), True),
    "grep_search": ("fs.read", ("dir_path", "path"), True),
    "search_file_content": ("fs.read", ("dir_path", "path"), True),
    "list_directory": ("fs.read", ("dir_path", "path"), True),
}


settings_file = base.ScopedPaths({"user": "~/.gemini/settings.json",
                                  "project": ".gemini/settings.json"})


def _entry(command: str, timeout: int) -> dict[str, Any]:
    # Gemini CLI's hook timeout is in milliseconds.
    return {"name": HOOK_NAME, "type": "command", "command": command, "timeout": timeout * 1000}


def _shell(call: Call) -> Action:
    from approvald.agents import tools

    where = tools.first_string(call.tool_input, ("dir_path", "directory"))
    cwd = call.path(where[1]) if where else None  # the command runs there
    return tools.shell(call, call.tool_input.get("command"), cwd=cwd)


def _mcp(call: Call, context: object) -> Action:
    from approvald.agents import tools

    if isinstance(context, dict):
        server, tool = context.get("server_name"), context.get("tool_name")
        if isinstance(server, str) and isinstance(tool, str):
            return tools.mcp(call, server, tool)
    # No mcp_context (older versions): `mcp_<server>_<tool>`, the server up to the first `_`.
    names = tools.split_mcp_name(call.tool, MCP_PREFIX, "_") or ("", "")
    return tools.mcp(call, *names)


class Gemini(base.Agent):
    name = NAME
    display_name = "Gemini CLI"
    native_ask = False
    install = base.HookInstall(scopes=settings_file.scopes, events=((EVENT, "*"),),
                               settings_file=settings_file, entry=_entry)
    mcp = base.McpConfig(files={"user": "~/.gemini/settings.json",
                                "project": ".gemini/settings.json"},
                         format="jsonc", servers_key="mcpServers")
    doctor_scanner = "gemini"
    # Its shell tool runs every command with GEMINI_CLI=1 (ShellExecutionService).
    env_markers = (("GEMINI_CLI", "1"),)

    def render(self, verdict: Verdict) -> HookReply:
        if verdict.permission is None or verdict.permission not in (DENY, "ask"):
            return HookReply("")  # no objection: Gemini's own confirmation still applies
        import json

        return HookReply(json.dumps({"decision": DENY,
                                     "reason": verdict.reason or "approvald: denied"},
                                    ensure_ascii=False))

    def is_reply(self, text: str) -> bool:
        return not text or text.startswith(_REPLY_PREFIX)

    def action(self, payload: object) -> Action:
        from approvald.agents import tools

        payload = tools.require_object(payload, "Gemini CLI")
        tools.require_event(payload, EVENT, "Gemini CLI")
        call = tools.snake_case_call(NAME, payload, "Gemini CLI")
        tool = call.tool
        if tool in SHELL_TOOLS:
            return _shell(call)
        if tool in FILE_TOOLS:
            kind, keys, optional = FILE_TOOLS[tool]
            return tools.files(call, kind, keys, optional=optional)
        if tool == "web_fetch":
            return tools.fetch_in_text(call, "prompt")
        if tool == "google_web_search":
            return tools.search(call)
        if "mcp_context" in payload or tool.startswith(MCP_PREFIX):
            return _mcp(call, payload.get("mcp_context"))
        return tools.other(call)


AGENT = Gemini()
