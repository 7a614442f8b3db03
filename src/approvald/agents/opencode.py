"""OpenCode: the payload approvald's plugin sends, the answer it reads, and its tools.

OpenCode has no command hooks: it loads JavaScript plugins in-process (V1 plugin API, from
`~/.config/opencode/plugins/` and `<project>/.opencode/plugins/`). `approvald install opencode`
writes one (`approvald/install/opencode_plugin.js`) whose `tool.execute.before` runs
`approvald hook opencode` and throws, which blocks the tool, on a deny or any failure. The
plugin defines the payload and the answer, so both are approvald's own:

- payload: `{"hook_event_name": "tool.execute.before", "tool", "args", "sessionID", "callID",
  "directory", "worktree"}` (`directory` is the session's working directory);
- answer: exit 0 with `{"decision": "allow"|"deny", "reason"}` on stdout. The plugin lets the
  tool run only on exactly that with "allow"; anything else (no answer, another exit code,
  output it cannot read, its own timeout) throws.

OpenCode's own `permission.ask` is not a hook answer approvald can rely on, so this module never
renders an ask (`native_ask = False`): the daemon's route waits for the person and answers
allow or deny.

Tools (V1, with V2's spellings accepted): `bash`/`shell` (`command`, `workdir`), `read`
(`filePath`, V2 `path`), `write`/`edit`/`multiedit` (`filePath`), `patch`/`apply_patch`
(`patchText`), `glob`/`grep`/`list` (`path`, optional), `webfetch` (`url`), `websearch`/
`codesearch` (`query`), `task`; an MCP tool is `<server>_<tool>`.
"""

from __future__ import annotations

from approvald.agents.base import ALLOW, Agent, HookReply, ScopedPaths, Verdict

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.agents.tools import Call
    from approvald.model.actions import Action

NAME = "opencode"
EVENT = "tool.execute.before"
# What render prints starts with one of these (json.dumps keeps the key order).
_REPLY_PREFIXES = ('{"decision": "allow", ', '{"decision": "deny", ')

SHELL_TOOLS = ("bash", "shell")
PATH_KEYS = ("filePath", "path", "file_path")
# tool -> (kind, path optional)
FILE_TOOLS: dict[str, tuple[str, bool]] = {
    "read": ("fs.read", False),
    "write": ("fs.write", False),
    "edit": ("fs.write", False),
    "multiedit": ("fs.write", False),
    "glob": ("fs.read", True),
    "grep": ("fs.read", True),
    "list": ("fs.read", True),
}
PATCH_TOOLS = ("patch", "apply_patch")
SEARCH_TOOLS = ("websearch", "codesearch")
# OpenCode's own tools that are none of the above: never read as `<server>_<tool>`.
OWN_TOOLS = frozenset({"todowrite", "todoread", "question", "skill", "lsp", "invalid", "batch",
                       "plan_enter", "plan_exit"})
CONFIG_NAMES = ("opencode.json", "opencode.jsonc")

# Where `approvald install opencode` writes its plugin (OpenCode loads every .js/.ts file there).
plugin_file = ScopedPaths({"user": "~/.config/opencode/plugins/approvald.js",
                           "project": ".opencode/plugins/approvald.js"},
                          dir_env=("XDG_CONFIG_HOME", "~/.config"))


def _config_dirs(directory: str) -> list[str]:
    import os

    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    dirs = [os.path.join(base, "opencode")]
    if directory:
        dirs += [directory, os.path.join(directory, ".opencode")]
    return dirs


def _mcp_servers(directory: str) -> list[str]:
    """The MCP server names in OpenCode's user and project configs (`mcp` in opencode.json)."""
    import os

    from approvald.wire import jsontext

    names: list[str] = []
    for folder in _config_dirs(directory):
        for name in CONFIG_NAMES:
            try:  # strict: a server name must be text
                with open(os.path.join(folder, name), "rb") as fh:
                    servers = jsontext.loads(fh.read()).get("mcp")
            except (OSError, ValueError, AttributeError):
                continue  # absent, or JSONC with comments: the first `_` splits instead
            if isinstance(servers, dict):
                names += [n for n in servers if isinstance(n, str) and n]
    return names


def _sanitized(name: str) -> str:
    """A server name as OpenCode puts it in a tool name (anything but [A-Za-z0-9_-] is `_`)."""
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)


def mcp_names(tool: str, directory: str) -> tuple[str, str] | None:
    """(server, tool) of `<server>_<tool>`: the longest configured server name that prefixes
    it, else the part before the first `_`; None for a name without one."""
    for server in sorted(_mcp_servers(directory), key=len, reverse=True):
        prefix = _sanitized(server) + "_"
        if tool.startswith(prefix) and len(tool) > len(prefix):
            return server, tool[len(prefix):]
    server, underscore, rest = tool.partition("_")
    return (server, rest) if underscore and server and rest else None


def _shell(call: Call) -> Action:
    from approvald.agents import tools

    where = tools.first_string(call.tool_input, ("workdir", "cwd"))
    cwd = call.path(where[1]) if where else None  # the command runs there
    return tools.shell(call, call.tool_input.get("command"), cwd=cwd)


def _tool(call: Call) -> Action:
    from approvald.agents import tools

    tool = call.tool
    if tool in SHELL_TOOLS:
        return _shell(call)
    if tool in FILE_TOOLS:
        kind, optional = FILE_TOOLS[tool]
        # The content an edit or a write carries is not what the call is about.
        drop = ("content", "oldString", "newString", "edits")
        return tools.files(call, kind, PATH_KEYS, optional=optional, drop=drop)
    if tool in PATCH_TOOLS:
        return tools.patch(call, ("patchText", "patch", "input"))
    if tool == "webfetch":
        return tools.fetch(call, call.tool_input.get("url"))
    if tool in SEARCH_TOOLS:
        return tools.search(call)
    if tool == "task":
        return tools.task(call)
    names = None if tool in OWN_TOOLS else mcp_names(tool, call.cwd)
    if names is not None:
        return tools.mcp(call, *names)
    return tools.other(call)


class OpenCode(Agent):
    name = NAME
    display_name = "OpenCode"
    native_ask = False
    # Installed as a plugin file of its own (approvald.install.opencode), not a settings entry.
    install = None
    doctor_scanner = "opencode"
    # Its CLI sets OPENCODE=1 and OPENCODE_PID in its own environment at start
    # (packages/opencode/src/index.ts), so everything it runs inherits them.
    env_markers = (("OPENCODE", "1"), ("OPENCODE_PID", None))

    def render(self, verdict: Verdict) -> HookReply:
        import json

        if verdict.permission is None or verdict.permission == ALLOW:
            doc = {"decision": ALLOW, "reason": verdict.reason or "approvald: allowed"}
        else:  # deny, or an ask nobody can answer here (reply() turned it into a deny)
            doc = {"decision": "deny", "reason": verdict.reason or "approvald: denied"}
        return HookReply(json.dumps(doc, ensure_ascii=False))

    def is_reply(self, text: str) -> bool:
        return text.startswith(_REPLY_PREFIXES)

    def action(self, payload: object) -> Action:
        from approvald.agents import tools

        payload = tools.require_object(payload, "OpenCode")
        tools.require_event(payload, EVENT, "OpenCode")
        call = tools.Call(NAME, tools.text_field(payload, "tool", label="OpenCode payload"),
                          tools.object_field(payload, "args"),
                          session_id=tools.text_field(payload, "sessionID", required=False),
                          cwd=tools.text_field(payload, "directory", "worktree",
                                               required=False),
                          call_id=tools.correlation_id(payload, "callID"))
        return _tool(call)


AGENT = OpenCode()
