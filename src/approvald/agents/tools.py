"""Building the one normalized Action from any agent's tool call.

Every agent names its tools its own way (`Bash`, `run_shell_command`, `bash`, `Shell`), but a
shell line is a `process.exec` with that `command`, a file tool an `fs.read`/`fs.write` with
absolute `paths`, an MCP tool an `mcp.call` with `server` and `tool`: so one policy rule
(`git push`, a `.env` path, an MCP server) holds for every agent alike. The agent modules say
which of their tools is which; this module builds the Action the same way for all of them.

Imported only from inside `Agent.action` (on the daemon, or the hook's no-daemon fallback),
never on the hook's fast path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from approvald.model.actions import (
    MAX_DESCRIPTION,
    Action,
    ActionError,
    normalize_path,
    normalize_url,
)
from approvald.model.kinds import (
    AGENT_TASK,
    FS_READ,
    FS_WRITE,
    MCP_CALL,
    NET_HTTP,
    PROCESS_EXEC,
    TOOL_OTHER,
)
from approvald.model.lazyre import lazy_compile
from approvald.wire import jsontext

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

# Keys that label a call without changing what it does.
INCIDENTAL = frozenset({"description"})


class Call:
    """One tool call as the agent gave it: who, where, which tool, with what input. `call_id`
    and `prompt_id` (the agent's ids for this call and for the prompt it serves) ride beside
    the action, never in its fingerprint."""

    __slots__ = ("agent", "call_id", "cwd", "prompt_id", "session_id", "tool", "tool_input")

    def __init__(self, agent: str, tool: str, tool_input: dict[str, Any], session_id: str,
                 cwd: str, call_id: str = "", prompt_id: str = ""):
        self.agent = agent
        self.tool = tool
        self.tool_input = tool_input
        self.session_id = session_id
        self.cwd = normalize_path(cwd) if cwd else ""
        self.call_id = call_id
        self.prompt_id = prompt_id

    def action(self, kind: str, normalized: dict[str, Any], cwd: str | None = None,
               command: str | None = None, paths: tuple[str, ...] = (), url: str | None = None,
               mcp_server: str | None = None, mcp_tool: str | None = None) -> Action:
        """The Action of this call: `normalized` its input, the rest derived from it."""
        # A shell tool's `description` labels the call (elsewhere it may be an argument).
        described = self.tool_input.get("description") if kind == PROCESS_EXEC else None
        # every field by position: a keyword each cost more
        return Action(kind, self.tool, normalized, self.agent, self.session_id,
                      self.cwd if cwd is None else cwd, command, paths, url, mcp_server,
                      mcp_tool, None,  # extra
                      self.call_id, self.prompt_id,
                      described[:MAX_DESCRIPTION] if isinstance(described, str) else "")

    def path(self, value: str, base: str | None = None) -> str:
        return normalize_path(value, self.cwd if base is None else base)


# -- reading payloads -------------------------------------------------------------------------

def snake_case_call(agent: str, doc: Mapping[str, Any], label: str,
                    prompt_key: str = "prompt_id") -> Call:
    """The call in a payload shaped like Claude Code's (Codex's and Gemini CLI's too):
    `tool_name`, `tool_input`, `session_id`, `cwd`, `tool_use_id` and a prompt id."""
    # (by position: this runs for every payload, and keywords cost more; the fields `text_field`
    # and `object_field` would accept as they are are taken without a call each)
    tool, tool_input = doc.get("tool_name"), doc.get("tool_input")
    session_id, cwd = doc.get("session_id"), doc.get("cwd")
    return Call(agent,
                tool if type(tool) is str else
                text_field(doc, "tool_name", label=f"{label} payload"),
                tool_input if type(tool_input) is dict else object_field(doc, "tool_input"),
                session_id if type(session_id) is str else
                text_field(doc, "session_id", required=False),
                cwd if type(cwd) is str else text_field(doc, "cwd", required=False),
                correlation_id(doc, "tool_use_id"),  # call_id
                correlation_id(doc, prompt_key))  # prompt_id


def require_object(payload: object, label: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ActionError(f"a {label} hook payload must be a JSON object")
    return payload


def require_event(payload: Mapping[str, Any], event: str, label: str,
                  key: str = "hook_event_name") -> None:
    """A payload for another hook event than the one installed is not ours to answer."""
    found = payload.get(key, event)
    if found != event:
        raise ActionError(f"{label} hook event {found!r} is not {event}")


def text_field(payload: Mapping[str, Any], *keys: str, label: str = "payload",
               required: bool = True) -> str:
    """The first of `keys` present, which must be a string ("" when none is and not required)."""
    for key in keys:
        value = payload.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise ActionError(f"{label} field {key!r} must be a string")
            return value
    if required:
        raise ActionError(f"{label} needs a string field {keys[0]!r}")
    return ""


def correlation_id(payload: Mapping[str, Any], *keys: str) -> str:
    """The first of `keys` holding a usable id ("" otherwise: never an error)."""
    for key in keys:
        value = payload.get(key)
        if isinstance(value, str) and value and len(value) <= 256:
            return value
    return ""


def object_field(payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    """`payload[key]`, which must be an object ({} when absent)."""
    value = payload.get(key, {})
    if not isinstance(value, dict):
        raise ActionError(f"field {key!r} must be an object")
    return value


def input_object(value: object, field: str) -> dict[str, Any]:
    """A tool input given as an object, or as a JSON string holding one (Cursor, Copilot)."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = jsontext.loads(value) if value.strip() else {}
        except jsontext.JsonTextError as exc:
            raise ActionError(f"field {field!r} is a string that {exc}") from None
    if not isinstance(value, dict):
        raise ActionError(f"field {field!r} must be an object")
    return value


def first_string(tool_input: Mapping[str, Any], keys: Iterable[str]) -> tuple[str, str] | None:
    """(key, value) of the first of `keys` holding a non-empty string."""
    for key in keys:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return key, value
    return None


# -- one builder per kind ---------------------------------------------------------------------

def shell(call: Call, command: object, *, command_key: str = "command", cwd: str | None = None,
          drop: Iterable[str] = ()) -> Action:
    """A shell line: `process.exec`. A command given as a list of words is joined as a shell
    would read it back."""
    if isinstance(command, list) and command and all(isinstance(w, str) for w in command):
        import shlex  # for a list only: a module less for the hook

        command = shlex.join(command)
    if not isinstance(command, str):
        raise ActionError(f"{call.tool} tool_input needs a string {command_key!r}")
    normalized = dict(call.tool_input)  # less the keys that change nothing, order kept
    for key in (*INCIDENTAL, *drop) if drop else INCIDENTAL:
        normalized.pop(key, None)
    normalized[command_key] = command
    return call.action(PROCESS_EXEC, normalized, cwd, command)


def files(call: Call, kind: str, keys: Iterable[str], *, optional: bool = False,
          drop: Iterable[str] = ()) -> Action:
    """A file tool: the path under the first of `keys` present, made absolute. `optional`:
    without one, the session's directory (a search or a listing). `drop`: keys that must not
    enter the fingerprint or the audit (a file's content the agent sends along)."""
    keys = tuple(keys)
    dropped = INCIDENTAL | set(drop)
    normalized = {k: v for k, v in call.tool_input.items() if k not in dropped}
    found = next((k for k in keys if call.tool_input.get(k) is not None), None)
    if found is None:
        if not optional:
            raise ActionError(f"{call.tool} tool_input needs a string {keys[0]!r}")
        return call.action(kind, normalized, paths=(call.cwd,) if call.cwd else ())
    value = call.tool_input[found]
    if isinstance(value, list):
        if not value or not all(isinstance(v, str) and v for v in value):
            raise ActionError(f"{call.tool} tool_input {found!r} must be a list of paths")
        listed = tuple(call.path(v) for v in value)
        normalized[found] = list(listed)
        return call.action(kind, normalized, paths=listed)
    if not isinstance(value, str) or not value:
        raise ActionError(f"{call.tool} tool_input needs a string {found!r}")
    normalized[found] = call.path(value)
    return call.action(kind, normalized, paths=(normalized[found],))


_PATCH_MARKERS = ("*** Add File: ", "*** Delete File: ", "*** Update File: ", "*** Move to: ")


def patch_paths(patch: str) -> list[str]:
    """Every file an apply_patch text (`*** Begin Patch` ... `*** End Patch`, the format Codex,
    Copilot CLI and Cursor share) adds, deletes, updates or moves to, in order."""
    paths = []
    for line in patch.splitlines():
        for marker in _PATCH_MARKERS:
            if line.startswith(marker) and line[len(marker):].strip():
                paths.append(line[len(marker):].strip())
    return paths


def patch(call: Call, keys: Iterable[str]) -> Action:
    """An apply_patch call: `fs.write` of every file the patch touches (its text under the
    first of `keys` holding one); a patch that names no file is refused."""
    found = first_string(call.tool_input, keys)
    paths = patch_paths(found[1]) if found else []
    if found is None or not paths:
        raise ActionError(f"{call.tool} names no file to add, delete, update or move")
    absolute = tuple(dict.fromkeys(call.path(p) for p in paths))
    return call.action(FS_WRITE, {"patch": found[1]}, paths=absolute)


def fetch(call: Call, url: object, *, key: str = "url") -> Action:
    if not isinstance(url, str) or not url:
        raise ActionError(f"{call.tool} tool_input needs a string {key!r}")
    normalized = {k: v for k, v in call.tool_input.items() if k not in INCIDENTAL}
    normalized[key] = normalize_url(url)
    normalized["method"] = "GET"
    return call.action(NET_HTTP, normalized, url=normalized[key])


_URL = lazy_compile(r"https?://[^\s<>\"'`)\]}]+")


def fetch_in_text(call: Call, key: str) -> Action:
    """A fetch whose URLs are written into text (Gemini's web_fetch prompt): `net.http`, its
    URL the first one found (a host rule sees that one only)."""
    text = call.tool_input.get(key)
    if not isinstance(text, str):
        raise ActionError(f"{call.tool} tool_input needs a string {key!r}")
    urls = _URL.findall(text)
    normalized = {k: v for k, v in call.tool_input.items() if k not in INCIDENTAL}
    return call.action(NET_HTTP, normalized, url=normalize_url(urls[0]) if urls else None)


def search(call: Call, query_key: str = "query") -> Action:
    """A web search: `net.http` with no URL of its own."""
    if not isinstance(call.tool_input.get(query_key), str):
        raise ActionError(f"{call.tool} tool_input needs a string {query_key!r}")
    return call.action(NET_HTTP, {k: v for k, v in call.tool_input.items()
                                  if k not in INCIDENTAL})


def mcp(call: Call, server: str, tool: str, arguments: dict[str, Any] | None = None) -> Action:
    """An MCP tool call: every argument is meaningful, so all of them are fingerprinted."""
    if not server or not tool:
        raise ActionError(f"MCP tool {call.tool!r}: cannot tell its server and tool apart")
    normalized = dict(call.tool_input if arguments is None else arguments)
    return call.action(MCP_CALL, normalized, mcp_server=server, mcp_tool=tool)


def task(call: Call) -> Action:
    return call.action(AGENT_TASK, {k: v for k, v in call.tool_input.items()
                                    if k not in INCIDENTAL})


def other(call: Call) -> Action:
    return call.action(TOOL_OTHER, dict(call.tool_input))


def split_mcp_name(name: str, prefix: str, separator: str) -> tuple[str, str] | None:
    """`mcp__server__tool` -> (server, tool) for a name made of prefix, server, separator,
    tool; None when it is not one."""
    if not name.startswith(prefix):
        return None
    server, _, tool = name[len(prefix):].partition(separator)
    return (server, tool) if server and tool else None


# -- Claude Code's tool vocabulary (also what Copilot CLI's PascalCase payloads use) ----------

# tool name -> (kind, keys holding a path)
CLAUDE_FILE_TOOLS: dict[str, tuple[str, tuple[str, ...]]] = {
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
CLAUDE_PATH_OPTIONAL = frozenset({"Glob", "Grep", "LS"})


def claude_tool(call: Call) -> Action:
    """A call named and shaped the way Claude Code names and shapes its tools."""
    tool, tool_input = call.tool, call.tool_input
    if tool == "Bash":
        return shell(call, tool_input.get("command"))
    if tool in CLAUDE_FILE_TOOLS:
        kind, keys = CLAUDE_FILE_TOOLS[tool]
        action = files(call, kind, keys, optional=tool in CLAUDE_PATH_OPTIONAL)
        if tool == "MultiEdit" and not isinstance(tool_input.get("edits", []), list):
            raise ActionError("MultiEdit tool_input 'edits' must be a list")
        return action
    if tool == "WebFetch":
        return fetch(call, tool_input.get("url"))
    if tool == "WebSearch":
        return search(call)
    if tool in ("Task", "Agent"):
        return task(call)
    names = split_mcp_name(tool, "mcp__", "__")
    if names is not None:
        return mcp(call, *names)
    if tool.startswith("mcp__"):
        raise ActionError(f"MCP tool name {tool!r} is not mcp__<server>__<tool>")
    return other(call)
