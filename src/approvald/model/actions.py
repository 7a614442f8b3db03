"""The one normalized action every agent tool call becomes, and its fingerprint.

Standard library only: the hook builds actions on the fast path.

Fingerprint
-----------
`sha256:` + hex digest of the canonical JSON (sorted keys, separators `,` `:`, UTF-8, no ASCII
escaping) of exactly these fields::

    {"v": 1, "agent": ..., "session_id": ..., "cwd": ..., "tool": ..., "kind": ..., "input": ...}

`input` is the tool input after normalization: paths made absolute against `cwd` (`~`/`$HOME`
expanded, `.`/`..` collapsed, case preserved), URLs normalized (scheme and host lowercased,
default port dropped), and incidental keys removed (a Bash `description`, a Task's label: they
change nothing about what would run). Nothing else enters: no tool_use_id, transcript path,
permission mode or timestamp. Same action, same fingerprint; any change to what would run, a
different one.

Correlation ids travel beside the action, outside the fingerprint: `call_id` (the agent's id for
this one tool call, Claude Code's `tool_use_id`) and `prompt_id` (the user prompt it serves).
They let exported records join the agent's own telemetry; two calls of the same action have
different ids and the same fingerprint.
"""

from __future__ import annotations

import json
import os
import posixpath
from json.encoder import encode_basestring, encode_basestring_ascii

from approvald.model.kinds import (
    AGENT_TASK,
    FS_READ,
    FS_WRITE,
    KINDS,
    MCP_CALL,
    NET_HTTP,
    PROCESS_EXEC,
    TOOL_OTHER,
)
from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Frozen
from approvald.signing import hex_digest

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["AGENT_TASK", "FS_READ", "FS_WRITE", "KINDS", "MCP_CALL", "NET_HTTP", "PROCESS_EXEC",
           "TOOL_OTHER", "Action", "ActionError", "action_from_json", "build_action",
           "canonical_json", "expand_home", "fingerprint", "normalize_path", "normalize_url",
           "one_shot_encoder", "url_host"]

FINGERPRINT_VERSION = 1
MAX_DESCRIPTION = 500  # characters of the agent's description kept
_HOME_PREFIX = lazy_compile(r"^(?:~|\$HOME|\$\{HOME\})(?=/|\\|$)")


class ActionError(ValueError):
    """The input cannot be turned into an action (says which field and why)."""


class Action(Frozen):
    kind: str
    tool: str
    input: dict[str, Any]
    agent: str
    session_id: str
    cwd: str
    # Derived from `input` for matching; they add nothing to the fingerprint.
    command: str | None
    paths: tuple[str, ...]
    url: str | None
    mcp_server: str | None
    mcp_tool: str | None
    extra: dict[str, Any]
    # Correlation only (see the module's doc): never fingerprinted, never matched.
    call_id: str
    prompt_id: str
    # The agent's own words for the call (Claude Code's Bash `description`): shown to the
    # person, never fingerprinted or matched.
    description: str

    UNCOMPARED = ('extra', 'call_id', 'prompt_id', 'description',)

    def __init__(self, kind: str, tool: str, input: dict[str, Any], agent: str = "action",
                 session_id: str = "", cwd: str = "", command: str | None = None,
                 paths: tuple[str, ...] = (), url: str | None = None,
                 mcp_server: str | None = None, mcp_tool: str | None = None,
                 extra: dict[str, Any] | None = None, call_id: str = '', prompt_id: str = '',
                 description: str = '') -> None:
        self.__dict__.update(kind=kind, tool=tool, input=input, agent=agent,
                             session_id=session_id, cwd=cwd, command=command, paths=paths,
                             url=url, mcp_server=mcp_server, mcp_tool=mcp_tool,
                             extra=extra if extra is not None else {}, call_id=call_id,
                             prompt_id=prompt_id, description=description)

    @property
    def summary(self) -> str:
        """The command, path or URL as the agent gave it (what a person reads first)."""
        if self.command is not None:
            return self.command
        if self.url:
            return self.url
        if self.mcp_server is not None:
            return f"{self.mcp_server}.{self.mcp_tool}"
        if self.paths:
            return " ".join(self.paths)
        for key in ("query", "prompt", "pattern"):
            value = self.input.get(key)
            if isinstance(value, str):
                return value
        return self.tool

    def fingerprint_fields(self) -> dict[str, Any]:
        return {
            "v": FINGERPRINT_VERSION,
            "agent": self.agent,
            "session_id": self.session_id,
            "cwd": self.cwd,
            "tool": self.tool,
            "kind": self.kind,
            "input": self.input,
        }

    @property
    def fingerprint(self) -> str:
        if type(self.input) is dict:
            try:
                agent, cwd, kind, session_id, tool = map(encode_basestring, (
                    self.agent, self.cwd, self.kind, self.session_id, self.tool))
            except TypeError:  # a field that is not text: the encoder's own path, below
                pass
            else:
                # canonical_json(self.fingerprint_fields()) written out: its keys in sorted
                # order, the same separators and quoting, without building and sorting the
                # outer mapping
                text = (f'{{"agent":{agent},"cwd":{cwd},"input":{_canonical_input(self.input)},'
                        f'"kind":{kind},"session_id":{session_id},"tool":{tool},'
                        f'"v":{FINGERPRINT_VERSION}}}')
                return "sha256:" + hex_digest(text.encode("utf-8"))
        return fingerprint(self.fingerprint_fields())

    def to_json(self) -> dict[str, Any]:
        """approvald's own action JSON; `action_from_json` reads it back."""
        doc = {
            "kind": self.kind,
            "tool": self.tool,
            "agent": self.agent,
            "session_id": self.session_id,
            "cwd": self.cwd,
            "input": self.input,
        }
        if self.call_id:
            doc["call_id"] = self.call_id
        if self.prompt_id:
            doc["prompt_id"] = self.prompt_id
        if self.description:
            doc["description"] = self.description
        return doc


def one_shot_encoder(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """`encoder.encode`, less the set-up it repeats on every call (a third of a fingerprint's
    cost): the C encoder with the same options and fresh markers (the circular check) each
    time, or one encoder for every call when the check is off (`check_circular=False`, for
    values the caller builds); `encoder.encode` itself where there is no C encoder or it would
    not use it."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None or encoder.indent is not None:
        return encoder.encode
    quote = encode_basestring_ascii if encoder.ensure_ascii else encode_basestring
    options = (encoder.default, quote, None, encoder.key_separator, encoder.item_separator,
               encoder.sort_keys, encoder.skipkeys, encoder.allow_nan)
    # Without the circular check the C encoder keeps no state: one serves every call.
    reused = None if encoder.check_circular else make(None, *options)

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return quote(value)
        return "".join((reused or make({}, *options))(value, 0))
    return encode


# One encoder for every call (json.dumps with options builds a new one each time).
_CANONICAL = one_shot_encoder(json.JSONEncoder(sort_keys=True, separators=(",", ":"),
                                               ensure_ascii=False, allow_nan=False))


def _canonical_input(tool_input: dict[str, Any]) -> str:
    """`_CANONICAL(tool_input)`, written out for an input of text keys and text values (a shell
    line's, most often): keys in sorted order, each text quoted as the encoder quotes it (the
    encoder's set-up and its pass cost a third of a fingerprint). Any other input (a number,
    a list, a key that is not text) is the encoder's to write."""
    try:
        if len(tool_input) == 1:  # (a shell line's `command`: nothing to sort or join)
            [(key, value)] = tool_input.items()
            return f"{{{encode_basestring(key)}:{encode_basestring(value)}}}"
        return "{" + ",".join([f"{encode_basestring(key)}:{encode_basestring(tool_input[key])}"
                               for key in sorted(tool_input)]) + "}"
    except TypeError:  # not text (or keys that do not sort): the encoder says what it says
        return _CANONICAL(tool_input)


def canonical_json(value: Any) -> bytes:
    return _CANONICAL(value).encode("utf-8")


def fingerprint(fields: dict[str, Any]) -> str:
    return "sha256:" + hex_digest(canonical_json(fields))


def _windows_path(text: str) -> bool:
    """`C:\\...`, `C:/...` or `\\\\server\\...` (a string test: this runs for every path, and
    compiling a regex for it costs the hook time)."""
    if text[:2] == "\\\\":
        return True
    drive = text[:1]
    return text[1:2] == ":" and text[2:3] in ("\\", "/") and drive.isascii() and drive.isalpha()


def _ntpath() -> Any:
    """ntpath, imported for a Windows path only: each module costs the hook time."""
    import ntpath

    return ntpath


def expand_home(path: str, home: str | None = None) -> str:
    match = _HOME_PREFIX.match(path)
    if not match:
        return path
    home = home if home is not None else os.path.expanduser("~")
    return home + path[match.end():]


def normalize_path(path: str, cwd: str = "", home: str | None = None) -> str:
    """Absolute, `~` expanded, `.`/`..` collapsed, case kept; Windows paths stay Windows."""
    if path[:1] == "/" and not (cwd and _windows_path(cwd)):  # the usual: POSIX, absolute
        if "/." not in path and "//" not in path and (len(path) == 1 or path[-1] != "/"):
            return path  # nothing for normpath to collapse
        normalized = posixpath.normpath(path)
        return "/" + normalized.lstrip("/") if normalized.startswith("//") else normalized
    path = expand_home(path, home)
    # Under a POSIX directory a drive-like word (`c:/../x`, `C:\\x`) is a relative path (a
    # directory named `c:`), as bash and the file system read it; with no directory, the path
    # says which it is.
    windows = _windows_path(cwd) if cwd else _windows_path(path)
    flavour = _ntpath() if windows else posixpath
    if not flavour.isabs(path) and cwd:
        path = flavour.join(cwd, path)
    normalized = flavour.normpath(path)
    if not windows and normalized.startswith("//"):
        normalized = "/" + normalized.lstrip("/")  # POSIX keeps a leading //; we do not
    return normalized


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}


def normalize_url(url: str) -> str:
    """Scheme and host lowercased, default port dropped, an empty path made `/`."""
    from urllib.parse import urlsplit, urlunsplit  # for URLs only: it costs the hook ~2 ms

    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{host}:{port}"
    if parts.username or parts.password:
        userinfo = parts.username or ""
        if parts.password is not None:
            userinfo += ":" + parts.password
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def url_host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").lower()


_ACTION_KEYS = {"kind", "tool", "agent", "session_id", "cwd", "input", "call_id", "prompt_id",
                "description"}


def action_from_json(doc: Any) -> Action:
    """Read approvald's own action JSON (strict: unknown fields are an error)."""
    if not isinstance(doc, dict):
        raise ActionError("an action must be a JSON object")
    unknown = sorted(set(doc) - _ACTION_KEYS)
    if unknown:
        raise ActionError(f"unknown field(s) {', '.join(unknown)} in action")
    kind = doc.get("kind")
    if kind not in KINDS:
        raise ActionError(f"field 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    raw_input = doc.get("input", {})
    if not isinstance(raw_input, dict):
        raise ActionError("field 'input' must be an object")
    for key in ("tool", "agent", "session_id", "cwd", "call_id", "prompt_id", "description"):
        if key in doc and not isinstance(doc[key], str):
            raise ActionError(f"field {key!r} must be a string")
    action = build_action(
        kind=kind,
        tool=doc.get("tool") or kind,
        tool_input=raw_input,
        agent=doc.get("agent") or "action",
        session_id=doc.get("session_id", ""),
        cwd=doc.get("cwd", ""),
    )
    if doc.get("call_id") or doc.get("prompt_id") or doc.get("description"):
        action = action.changed(call_id=doc.get("call_id", ""),
                         prompt_id=doc.get("prompt_id", ""),
                         description=doc.get("description", "")[:MAX_DESCRIPTION])
    return action


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
