"""MCP tool arguments judged like native tools.

An MCP call's arguments are classified by name, whatever the server or tool is called:
- a path (`path`, `file_path`, `paths`, `source`, `destination`, ...) is a file read, or a
  write when the tool's name says it changes things (`write_file`, `move_file`, `delete_*`);
  the source of a copy or move is read as well;
- a command (`command`, `cmd`, `script`, `shell_command`, ...) is a shell line (`process.exec`);
- a URL (`url`, `uri`, `href`, `endpoint`, ...) is a fetch (`net.http`).
`argument_actions(action)` returns those as actions, so the file, shell and network rules
judge them exactly as they judge `Read`, `Bash` and `WebFetch`: reading `.env` through any MCP
server is denied like `cat .env`. The MCP gateway (issue 14) evaluates the same way.
`flatten(arguments)` gives the `(name, value)` pairs the `mcp_args` match key sees.
"""

from __future__ import annotations

import json
import re

from approvald.model.actions import (
    FS_READ,
    FS_WRITE,
    NET_HTTP,
    PROCESS_EXEC,
    Action,
    normalize_path,
    normalize_url,
)

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

PATH_NAMES = re.compile(
    r"^(?:path|paths|file|files|file_?paths?|file_?names?|filename|source|sources|src|"
    r"destination|dest|dst|target_?path|dir|directory|directories|folder|root|cwd|"
    r"working_?directory|notebook_?path|image_?path|output_?path|input_?path|location)$",
    re.IGNORECASE)
COMMAND_NAMES = re.compile(
    r"^(?:command|commands|cmd|cmdline|command_?line|script|shell|shell_?command|bash|"
    r"sh|exec|run)$", re.IGNORECASE)
URL_NAMES = re.compile(r"^(?:url|urls|uri|uris|href|link|links|endpoint|website|webpage|"
                       r"page_?url|target_?url|base_?url)$", re.IGNORECASE)
_WRITES = re.compile(r"write|edit|create|update|put|set|upload|append|save|move|rename|delete|"
                     r"remove|mkdir|patch|insert|replace|copy|overwrite|truncate|chmod",
                     re.IGNORECASE)
_SOURCE_NAMES = re.compile(r"^(?:source|sources|src|from|input_?path)$", re.IGNORECASE)
MAX_ARGUMENT_ACTIONS = 64
MAX_FLAT = 512


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(`name`, value as text) for every scalar in the arguments; nested names are dotted."""
    stack: list[tuple[str, Any]] = [(prefix, value)]
    count = 0
    while stack and count < MAX_FLAT:
        name, item = stack.pop()
        if isinstance(item, dict):
            stack.extend(reversed([(f"{name}.{k}" if name else str(k), v)
                                   for k, v in item.items()]))
        elif isinstance(item, list):
            stack.extend(reversed([(name, v) for v in item]))
        else:
            count += 1
            text = item if isinstance(item, str) else json.dumps(item)
            yield name, text


_GATEWAY_INPUT = frozenset({"server", "tool", "arguments"})


def arguments(action: Action) -> Any:
    """An MCP call's arguments: the input of a hook's action (the agent's tool input), the
    `arguments` of the MCP gateway's (`{server, tool, arguments}`, and `result` when it asks
    about a result), so `mcp_args: {path: ...}` names them alike for both."""
    given = action.input
    if set(given) >= _GATEWAY_INPUT and isinstance(given.get("arguments"), dict):
        return given["arguments"]
    return given


def argument_actions(action: Action) -> list[Action]:
    """The file reads and writes, shell lines and fetches an MCP call's arguments carry."""
    found: list[Action] = []
    tool = action.mcp_tool or action.tool
    writes = _WRITES.search(tool) is not None
    for name, text in flatten(arguments(action)):
        if len(found) >= MAX_ARGUMENT_ACTIONS or not text:
            break
        key = name.rsplit(".", 1)[-1]
        if URL_NAMES.match(key):
            found.append(_derived(action, NET_HTTP, {"url": normalize_url(text)},
                                  url=normalize_url(text)))
        elif COMMAND_NAMES.match(key):
            found.append(_derived(action, PROCESS_EXEC, {"command": text}, command=text))
        elif PATH_NAMES.match(key):
            if text.startswith("file://"):
                text = text[len("file://"):]
            path = normalize_path(text, action.cwd) if action.cwd else normalize_path(text)
            kinds = [FS_WRITE] if writes else [FS_READ]
            if writes and _SOURCE_NAMES.match(key):
                kinds.append(FS_READ)
            for kind in kinds:
                found.append(_derived(action, kind, {"path": path}, paths=(path,)))
    return found


def _derived(action: Action, kind: str, tool_input: dict[str, Any], **derived: Any) -> Action:
    return Action(kind=kind, tool=action.tool, input=tool_input, agent=action.agent,
                  session_id=action.session_id, cwd=action.cwd, **derived)
