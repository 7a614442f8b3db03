"""GitHub Copilot CLI: its preToolUse payload, its answer, and where its hook is installed.

Two payload formats (GitHub's hooks reference): the native camelCase one, `{"sessionId",
"timestamp", "cwd", "toolName", "toolArgs"}` with `toolArgs` usually a JSON string, and the
VS Code compatible one, `{"hook_event_name": "PreToolUse", "session_id", "cwd", "tool_name",
"tool_input"}` with Claude Code's tool names (`Bash`, `Read`, `Write`, `Edit`). Runtime tool
names: `bash`/`powershell` (`command`), `view` (`path`), `create` and `edit` (`path`),
`str_replace_editor`, `apply_patch`, `grep`/`rg`, `glob`, `web_fetch` (`url`), `web_search`,
`task`; an MCP tool is `<server>-<tool>`.

The answer: `{"permissionDecision": "allow"|"deny"|"ask", "permissionDecisionReason"}` on
stdout; empty output is "no opinion". A crash or any non-zero exit denies (Copilot's command
preToolUse hooks fail closed), but a timeout lets the tool run, so the hook answers before the
`timeoutSec` install writes (Copilot's default, 30 s, is too short to wait for a person).

The hook lives in `<project>/.github/hooks/approvald.json` (project scope only), a file that is
all approvald's: `{"version": 1, "hooks": {"preToolUse": [{"type": "command", "bash": ...,
"powershell": ..., "timeoutSec": ...}]}}`.
"""

from __future__ import annotations

import os

from approvald.agents import base
from approvald.agents.base import HookReply, Verdict

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

    from approvald.agents.tools import Call
    from approvald.model.actions import Action

NAME = "copilot"
EVENT = "preToolUse"
PASCAL_EVENT = "PreToolUse"
_REPLY_PREFIX = '{"permissionDecision": '
BUILTIN_MCP_SERVERS = ("github-mcp-server",)  # the GitHub MCP server Copilot CLI ships with

SHELL_TOOLS = frozenset({"bash", "powershell", "Bash"})
PATH_KEYS = ("path", "file_path", "filePath")
READ_TOOLS = {"view": False, "Read": False, "grep": True, "rg": True, "Grep": True,
              "glob": True, "Glob": True}
WRITE_TOOLS = frozenset({"create", "edit", "Write", "Edit", "MultiEdit"})

settings_file = base.ScopedPaths({"project": ".github/hooks/approvald.json"})


def powershell_command(command: str) -> str:
    """`command` for PowerShell: a quoted program path is a string there, so call it with `&`."""
    return f"& {command}" if command[:1] in ("'", '"') else command


def _entry(command: str, timeout: int) -> dict[str, Any]:
    return {"type": "command", "bash": command, "powershell": powershell_command(command),
            "timeoutSec": timeout}


def _mcp_servers(cwd: str) -> list[str]:
    """The MCP server names Copilot CLI may have loaded (its user config and the project's)."""
    from approvald.wire import jsontext

    home = os.environ.get("COPILOT_HOME") or os.path.join(os.path.expanduser("~"), ".copilot")
    files = [os.path.join(home, "mcp-config.json")]
    if cwd:
        files += [os.path.join(cwd, ".mcp.json"), os.path.join(cwd, ".github", "mcp.json")]
    names = list(BUILTIN_MCP_SERVERS)
    for path in files:
        try:
            with open(path, "rb") as fh:  # strict: a server name must be text
                servers = jsontext.loads(fh.read()).get("mcpServers")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(servers, dict):
            names += [n for n in servers if isinstance(n, str) and n]
    return names


def mcp_names(tool: str, cwd: str) -> tuple[str, str] | None:
    """(server, tool) of `<server>-<tool>`: the longest known server name that prefixes it,
    else the part before the last `-`; None for a name without one."""
    servers = sorted(_mcp_servers(cwd), key=len, reverse=True)
    for server in servers:
        if tool.startswith(server + "-") and len(tool) > len(server) + 1:
            return server, tool[len(server) + 1:]
    server, dash, rest = tool.rpartition("-")
    return (server, rest) if dash and server and rest else None


def _shell(call: Call) -> Action:
    from approvald.agents import tools

    return tools.shell(call, call.tool_input.get("command"))


def _tool(call: Call) -> Action:
    from approvald.agents import tools
    from approvald.model.actions import ActionError

    tool, tool_input = call.tool, call.tool_input
    if tool in SHELL_TOOLS:
        return _shell(call)
    if tool == "write_bash":  # keystrokes into a running shell session: a shell line
        found = tools.first_string(tool_input, ("input", "command", "text"))
        if found is None:
            raise ActionError("write_bash tool_input holds no text to send to the shell")
        return tools.shell(call, found[1], command_key=found[0])
    if tool in READ_TOOLS:
        return tools.files(call, "fs.read", PATH_KEYS, optional=READ_TOOLS[tool])
    if tool == "str_replace_editor":
        kind = "fs.read" if tool_input.get("command") == "view" else "fs.write"
        return tools.files(call, kind, PATH_KEYS)
    if tool in WRITE_TOOLS:
        return tools.files(call, "fs.write", PATH_KEYS)
    if tool == "apply_patch":
        return tools.patch(call, ("input", "patch", "command"))
    if tool in ("web_fetch", "WebFetch"):
        return tools.fetch(call, tool_input.get("url"))
    if tool in ("web_search", "WebSearch"):
        return tools.search(call)
    if tool in ("task", "Task", "Agent"):
        return tools.task(call)
    names = tools.split_mcp_name(tool, "mcp__", "__") or (
        mcp_names(tool, call.cwd) if "-" in tool else None)
    if names is not None:
        return tools.mcp(call, *names)
    return tools.other(call)


class Copilot(base.Agent):
    name = NAME
    display_name = "Copilot CLI"
    native_ask = True
    install = base.HookInstall(scopes=settings_file.scopes, events=((EVENT, None),),
                               settings_file=settings_file, entry=_entry, grouped=False,
                               command_keys=("bash", "powershell", "command"),
                               skeleton={"version": 1}, owns_file=True)
    mcp = base.McpConfig(files={"user": "~/.copilot/mcp-config.json", "project": ".mcp.json"},
                         format="json", servers_key="mcpServers",
                         dir_env=("COPILOT_HOME", "~/.copilot"))
    doctor_scanner = "copilot"
    # COPILOT_CLI=1 and COPILOT_AGENT_SESSION_ID in every process the CLI (and the SDK VS
    # Code shares) starts; VS Code's agent terminals also set COPILOT_AGENT=1.
    env_markers = (("COPILOT_CLI", None), ("COPILOT_AGENT_SESSION_ID", None),
                   ("COPILOT_AGENT", "1"))

    def render(self, verdict: Verdict) -> HookReply:
        if verdict.permission is None:
            return HookReply("")
        import json

        return HookReply(json.dumps({"permissionDecision": verdict.permission,
                                     "permissionDecisionReason": verdict.reason
                                     or "approvald"}, ensure_ascii=False))

    def is_reply(self, text: str) -> bool:
        return not text or text.startswith(_REPLY_PREFIX)

    def action(self, payload: object) -> Action:
        from approvald.agents import tools

        payload = tools.require_object(payload, "Copilot CLI")
        if "toolName" in payload or "toolArgs" in payload:  # the native camelCase format
            tools.require_event(payload, EVENT, "Copilot CLI", key="hookEventName")
            tool = tools.text_field(payload, "toolName", label="Copilot CLI payload")
            tool_input = tools.input_object(payload.get("toolArgs"), "toolArgs")
            session = tools.text_field(payload, "sessionId", required=False)
        else:  # the VS Code compatible PascalCase format
            tools.require_event(payload, PASCAL_EVENT, "Copilot CLI")
            tool = tools.text_field(payload, "tool_name", label="Copilot CLI payload")
            tool_input = tools.input_object(payload.get("tool_input"), "tool_input")
            session = tools.text_field(payload, "session_id", required=False)
        call = tools.Call(NAME, tool, tool_input, session_id=session,
                          cwd=tools.text_field(payload, "cwd", required=False))
        return _tool(call)


AGENT = Copilot()
