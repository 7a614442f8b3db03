"""Cursor (editor agent and `cursor-agent` CLI): its hook payloads, its answer, where its hooks
are installed.

Cursor sends one payload per hook event, each with `hook_event_name`, `conversation_id`,
`generation_id`, `workspace_roots` and the event's own fields:

- `beforeShellExecution`: `command`, `cwd`;
- `beforeMCPExecution`: `tool_name`, `tool_input` (an object, or a JSON string in some
  versions), the server's `command` or `url`, sometimes its name (`mcp_server_name`);
- `beforeReadFile`: `file_path`, `attachments`, and the file's `content` (never kept);
- `preToolUse` (Cursor 2.4 and later): `tool_name` (`Shell`, `Read`, `Write`, `StrReplace`,
  `Delete`, ...) and `tool_input`.

Field names have varied across versions: the known variants are accepted, and a payload whose
event or tool cannot be told is refused (a deny), never guessed.

The answer is `{"permission": "allow"|"deny", "user_message", "agent_message"}` on stdout, exit
0. Cursor's CLI reads output without `permission` as invalid, so even an allow is explicit.
Cursor lets the action run when a hook fails unless the entry has `failClosed: true`, which
install writes on every entry. Whether every event honours "ask" is not documented, so this
module never renders one (a deny instead); the daemon's route waits for the person first.

The hooks live in `~/.cursor/hooks.json` (scope user) or `<project>/.cursor/hooks.json`
(project), shaped `{"version": 1, "hooks": {EVENT: [entry, ...]}}`: one entry for each of
beforeShellExecution, beforeMCPExecution, beforeReadFile, and preToolUse for the file-writing
tools (which no other event covers). Timeouts are in seconds.
"""

from __future__ import annotations

import os

from approvald.agents import base
from approvald.agents.base import ALLOW, DENY, HookReply, Verdict

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from approvald.agents.tools import Call
    from approvald.model.actions import Action

NAME = "cursor"
SHELL_EVENT = "beforeShellExecution"
MCP_EVENT = "beforeMCPExecution"
READ_EVENT = "beforeReadFile"
TOOL_EVENT = "preToolUse"
EVENTS = (SHELL_EVENT, MCP_EVENT, READ_EVENT, TOOL_EVENT)
# The tools that change files: no before* event covers them, so preToolUse is installed for
# exactly these (the others would ask twice, once per event).
WRITE_TOOLS = ("Write", "StrReplace", "Delete", "ApplyPatch", "Edit", "MultiEdit",
               "EditNotebook")
WRITE_MATCHER = "|".join(WRITE_TOOLS)
_REPLY_PREFIX = '{"permission": '

PATH_KEYS = ("file_path", "path", "target_file", "filePath", "targetFile")
SERVER_NAME_KEYS = ("mcp_server_name", "server_name", "serverName", "mcp_server", "server")
_READ_TOOLS = {"Read": False, "Grep": True, "Glob": True, "LS": True, "ListDir": True}


settings_file = base.ScopedPaths({"user": "~/.cursor/hooks.json", "project": ".cursor/hooks.json"})


def _entry(command: str, timeout: int) -> dict[str, Any]:
    return {"command": command, "timeout": timeout, "failClosed": True}


def _first(payload: Mapping[str, Any], *keys: str) -> Any:
    return next((payload[k] for k in keys if payload.get(k) is not None), None)


def _event(payload: Mapping[str, Any]) -> str:
    """The hook event: named by the payload, or told from its fields when an old version left
    the name out."""
    from approvald.model.actions import ActionError

    event = _first(payload, "hook_event_name", "hookEventName")
    if event is None:
        if "tool_name" in payload or "toolName" in payload:
            event = MCP_EVENT if ("url" in payload or "command" in payload) else TOOL_EVENT
        elif "command" in payload:
            event = SHELL_EVENT
        elif "file_path" in payload or "filePath" in payload:
            event = READ_EVENT
    if event not in EVENTS:
        raise ActionError(f"Cursor hook event {event!r} is not one approvald answers "
                          f"({', '.join(EVENTS)})")
    return str(event)


def _cwd(payload: Mapping[str, Any]) -> str:
    cwd = _first(payload, "cwd", "working_directory")
    if isinstance(cwd, str) and cwd:
        return cwd
    roots = _first(payload, "workspace_roots", "workspaceRoots")
    if isinstance(roots, list) and roots and isinstance(roots[0], str):
        return roots[0]
    return ""


def _read(call: Call, payload: Mapping[str, Any]) -> Action:
    """beforeReadFile: the file, and every file attached with it; never its content."""
    from approvald.agents import tools

    paths = [tools.text_field(payload, "file_path", "filePath", label="beforeReadFile payload")]
    for item in payload.get("attachments") or []:
        attached = tools.first_string(item, ("file_path", "filePath")) if isinstance(
            item, dict) else None
        if attached is not None:
            paths.append(attached[1])
    absolute = tuple(dict.fromkeys(call.path(p) for p in paths))
    return call.action("fs.read", {"file_path": absolute[0], "paths": list(absolute)},
                       paths=absolute)


def _server(payload: Mapping[str, Any], cwd: str) -> str:
    """The MCP server's name: from the payload, else the configured server whose command or URL
    the payload names, else that command or URL itself."""
    from approvald.agents import tools

    named = tools.first_string(payload, SERVER_NAME_KEYS)
    if named is not None:
        return named[1]
    identity = tools.text_field(payload, "url", "command", label="beforeMCPExecution payload "
                                "(the MCP server)")
    for path in (os.path.join(cwd, ".cursor", "mcp.json") if cwd else "",
                 os.path.join(os.path.expanduser("~"), ".cursor", "mcp.json")):
        for name, spec in _configured_servers(path).items():
            if identity in _server_identities(spec):
                return name
    return identity


def _configured_servers(path: str) -> dict[str, Any]:
    from approvald.wire import jsontext

    if not path:
        return {}
    try:  # strict: a server name that is no text would name the action's server
        with open(path, "rb") as fh:
            doc = jsontext.loads(fh.read())
    except (OSError, ValueError):
        return {}
    servers = doc.get("mcpServers") if isinstance(doc, dict) else None
    return servers if isinstance(servers, dict) else {}


def _server_identities(spec: object) -> set[str]:
    if not isinstance(spec, dict):
        return set()
    found = {spec[k] for k in ("url", "command") if isinstance(spec.get(k), str)}
    args = spec.get("args")
    if isinstance(spec.get("command"), str) and isinstance(args, list):
        found.add(" ".join([spec["command"], *(a for a in args if isinstance(a, str))]))
    return found


def _tool(call: Call) -> Action:
    """preToolUse: Cursor's own tool names."""
    from approvald.agents import tools

    tool, tool_input = call.tool, call.tool_input
    if tool == "Shell":
        where = tools.first_string(tool_input, ("working_directory", "cwd"))
        return tools.shell(call, tool_input.get("command"),
                           cwd=call.path(where[1]) if where else None)
    if tool in _READ_TOOLS:
        return tools.files(call, "fs.read", PATH_KEYS, optional=_READ_TOOLS[tool])
    if tool == "ApplyPatch" and tools.first_string(tool_input, PATH_KEYS) is None:
        return tools.patch(call, ("patch", "input", "command"))
    if tool in WRITE_TOOLS:
        return tools.files(call, "fs.write", PATH_KEYS)
    if tool == "WebFetch":
        return tools.fetch(call, tool_input.get("url"))
    if tool == "WebSearch":
        return tools.search(call, "query" if "query" in tool_input else "search_term")
    if tool == "Task":
        return tools.task(call)
    return tools.other(call)


class Cursor(base.Agent):
    name = NAME
    display_name = "Cursor"
    native_ask = False
    install = base.HookInstall(scopes=settings_file.scopes,
                               events=((SHELL_EVENT, None), (MCP_EVENT, None), (READ_EVENT, None),
                                       (TOOL_EVENT, WRITE_MATCHER)),
                               settings_file=settings_file, entry=_entry, grouped=False,
                               skeleton={"version": 1})
    mcp = base.McpConfig(files={"user": "~/.cursor/mcp.json", "project": ".cursor/mcp.json"},
                         format="json", servers_key="mcpServers")
    doctor_scanner = "cursor"
    # CURSOR_AGENT=1 from the headless CLI (`agent`/`cursor-agent`); the editor's agent
    # terminals run in an extension host with CURSOR_EXTENSION_HOST_ROLE=agent-exec.
    # (CURSOR_TRACE_ID is in every Cursor terminal, the person's too: not a marker.)
    env_markers = (("CURSOR_AGENT", None), ("CURSOR_EXTENSION_HOST_ROLE", "agent-exec"))

    def render(self, verdict: Verdict) -> HookReply:
        import json

        if verdict.permission is None or verdict.permission == ALLOW:
            return HookReply(json.dumps({"permission": ALLOW}))
        reason = verdict.reason or "approvald: denied"
        return HookReply(json.dumps({"permission": DENY, "user_message": reason,
                                     "agent_message": reason}, ensure_ascii=False))

    def is_reply(self, text: str) -> bool:
        return text.startswith(_REPLY_PREFIX)

    def action(self, payload: object) -> Action:
        from approvald.agents import tools

        payload = tools.require_object(payload, "Cursor")
        event = _event(payload)
        cwd = _cwd(payload)
        ids = {"session_id": tools.text_field(payload, "conversation_id", "conversationId",
                                              required=False),
               "cwd": cwd, "call_id": tools.correlation_id(payload, "tool_use_id", "toolUseId"),
               "prompt_id": tools.correlation_id(payload, "generation_id", "generationId")}
        if event == SHELL_EVENT:
            return tools.shell(tools.Call(NAME, "Shell", {}, **ids), payload.get("command"))
        if event == READ_EVENT:
            return _read(tools.Call(NAME, "Read", {}, **ids), payload)
        tool = tools.text_field(payload, "tool_name", "toolName", label="Cursor payload")
        tool_input = tools.input_object(_first(payload, "tool_input", "toolInput"),
                                        "tool_input")
        call = tools.Call(NAME, tool, tool_input, **ids)
        if event == MCP_EVENT:
            return tools.mcp(call, _server(payload, call.cwd), tool)
        if tool.startswith("MCP:"):  # preToolUse for an MCP tool
            return tools.mcp(call, _server(payload, call.cwd), tool[len("MCP:"):])
        return _tool(call)


AGENT = Cursor()
