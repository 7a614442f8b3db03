"""What a rule's `match` may hold: its keys, the shape of each one's value, and their check.

`validate_match` reports every problem of a `match` with its line and field, for a policy
file's rules (approvald.policy.loader, when it parses a file) and the built-in ones
(approvald.policy.engine, when it compiles them all); `sound_keys` keeps the keys that have
none, so `policy check` still finds the problems of a rule dropped for another one. Neither
runs when the hook's local check reads parsed bundles from the cache, so it does not import
this. Compiling a match into a predicate is approvald.policy.matchers.
"""

from __future__ import annotations

from approvald.policy.errors import PolicyError
from approvald.policy.loader import LineMap, line_of, raise_problem

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


LIST_OF_STR = "list_of_str"
MATCH_KEYS: dict[str, str] = {
    "kind": LIST_OF_STR,
    "tool": LIST_OF_STR,
    "program": LIST_OF_STR,
    "args": "args",
    "any_arg": LIST_OF_STR,
    "not_any_arg": LIST_OF_STR,
    "path_arg": LIST_OF_STR,
    "read_arg": LIST_OF_STR,
    "path": LIST_OF_STR,
    "not_path": LIST_OF_STR,
    "cwd": LIST_OF_STR,
    "args_exact": "args",
    "reads": LIST_OF_STR,
    "writes": LIST_OF_STR,
    "url_host": LIST_OF_STR,
    "url_ip": LIST_OF_STR,
    "url_scheme": LIST_OF_STR,
    "url_path": LIST_OF_STR,
    "http_method": LIST_OF_STR,
    "mcp_server": LIST_OF_STR,
    "mcp_tool": LIST_OF_STR,
    "mcp_args": "mcp_args",
    "option": "option",
    "not_option": "option",
    "wrapper": LIST_OF_STR,
    "env": LIST_OF_STR,
    "finding": LIST_OF_STR,
    "content": LIST_OF_STR,
    "dynamic": "dynamic",
    "pipe_to_shell": "bool",
    "fork_bomb": "bool",
    "syntax_error": "bool",
    "any_of": "any_of",
}


def validate_match(match: Any, file: str, where: str,
                   report: Callable[[PolicyError], None] = raise_problem) -> None:
    """Report each problem of a rule's `match` (the default raises the first)."""
    if not isinstance(match, dict) or not match:
        report(PolicyError("match must be a non-empty mapping", file=file,
                           line=line_of(match), field=where))
        return
    for key, value in match.items():
        why = _match_value_problem(key, value)
        if why is not None:
            report(PolicyError(why, file=file, line=line_of(match, key),
                               field=f"{where}.{key}"))
        elif MATCH_KEYS[key] == "any_of":
            for i, sub in enumerate(value):
                validate_match(sub, file, f"{where}.any_of[{i}]", report)


def sound_keys(match: dict[str, Any]) -> dict[str, Any]:
    """The keys of `match` (and of its any_of branches) that have no problem of their own."""
    sound = LineMap()
    sound.line, sound.key_lines = getattr(match, "line", 0), {}
    for key, value in match.items():
        if _match_value_problem(key, value) is not None:
            continue
        if key == "any_of":  # (a branch with no sound key would hide its siblings' problems)
            value = [part for part in (sound_keys(sub) for sub in value if isinstance(sub, dict))
                     if part]
            if not value:
                continue
        sound[key] = value
        sound.key_lines[key] = line_of(match, key) or sound.line
    return sound


def _match_value_problem(key: str, value: Any) -> str | None:
    """What is wrong with one `match` key and its value, or None (an any_of's branches are
    checked by the caller)."""
    kind = MATCH_KEYS.get(key)
    if kind is None:
        return f"unknown match key {key!r} (allowed: {', '.join(sorted(MATCH_KEYS))})"
    if kind == LIST_OF_STR:
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) and v for v in items):
            return "must be a string or a list of strings"
    elif kind == "args":
        ok = isinstance(value, list) and value and all(
            (isinstance(v, str) and v)
            or (isinstance(v, list) and v and all(isinstance(x, str) and x for x in v))
            for v in value)
        if not ok:
            return "args must be a list whose items are a pattern or a list of alternative " \
                   "patterns"
    elif kind == "option":
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not (isinstance(item, dict) and "names" in item and
                    set(item) <= {"names", "value"} and
                    all(_strings(v) for v in item.values())):
                return "must be {names: [option, ...], value: [pattern, ...]} (value " \
                       "optional), or a list of those"
    elif kind == "mcp_args":
        if not (isinstance(value, dict) and value and
                all(isinstance(k, str) and k and _strings(v) for k, v in value.items())):
            return "must map argument names to a pattern or a list of patterns"
    elif kind == "dynamic":
        if value not in ("name", "args", "any"):
            return "must be one of name, args, any"
    elif kind == "bool":
        if value is not True:
            return "must be true"
    elif kind == "any_of" and (not isinstance(value, list) or not value):
        return "any_of must be a non-empty list of matches"
    return None


def _strings(value: Any) -> bool:
    """A non-empty string, or a non-empty list of them."""
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, str) and item for item in value)
