"""What the rule index reads from a `match:` without compiling it: the target classes it can
hold for, its branches, the feature a target needs for it (its gate), the programs and first
arguments it names, and which of its checks the index makes itself (`index_holds`)."""

from __future__ import annotations

from approvald.model.actions import KINDS, PROCESS_EXEC
from approvald.policy.words import Words, word_list, words_of

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

COMMAND = "command"  # a simple command of a shell line
LINE = "line"  # a shell line as a whole
CLASSES = frozenset({COMMAND, LINE, *(k for k in KINDS if k != PROCESS_EXEC)})
_EVERYWHERE = CLASSES

# Which target classes each key can hold for.
_KEY_CLASSES: dict[str, frozenset[str]] = {
    **{key: frozenset({COMMAND}) for key in (
        "program", "args", "args_exact", "any_arg", "not_any_arg", "path_arg", "read_arg",
        "dynamic", "option", "not_option", "wrapper", "env", "cwd")},
    "path": frozenset({"fs.read", "fs.write"}),
    "reads": frozenset({COMMAND, LINE, "fs.read", "fs.write"}),
    "writes": frozenset({COMMAND, LINE, "fs.read", "fs.write"}),
    **{key: frozenset({COMMAND, "net.http"}) for key in (
        "url_host", "url_ip", "url_scheme", "url_path")},
    "http_method": frozenset({"net.http"}),
    **{key: frozenset({"mcp.call"}) for key in ("mcp_server", "mcp_tool", "mcp_args")},
    "content": frozenset({LINE, "fs.write"}),
    "finding": frozenset({COMMAND, LINE}),
    **{key: frozenset({LINE}) for key in ("pipe_to_shell", "fork_bomb", "syntax_error")},
}

# Keys that hold only for a command: a match with one (and no `kind`) needs a command.
COMMAND_KEYS = frozenset(_KEY_CLASSES) - {
    "path", "reads", "writes", "content", "finding", "url_host", "url_ip", "url_scheme",
    "url_path", "http_method", "mcp_server", "mcp_tool", "mcp_args", "pipe_to_shell",
    "fork_bomb", "syntax_error"}


def target_classes(match: dict[str, Any]) -> frozenset[str]:
    classes = _EVERYWHERE
    for key, value in match.items():
        if key == "kind":
            kinds = set(word_list(value))
            wanted = {k for k in kinds if k != PROCESS_EXEC}
            if PROCESS_EXEC in kinds:
                wanted |= {COMMAND, LINE}
            classes &= frozenset(wanted)
        elif key == "any_of":
            union: frozenset[str] = frozenset()
            for sub in value:
                union |= target_classes(sub)
            classes &= union
        elif key in _KEY_CLASSES:
            classes &= _KEY_CLASSES[key]
    return classes


def index_holds(match: dict[str, Any]) -> frozenset[str]:
    """The checks of `match` that the index (RuleSet.candidates) has made for every target it
    hands `match`'s entry: `kind` (an entry is filed under the target classes its kinds allow),
    `command` (that there is a command: an entry filed under commands only), `program` (filed
    under its literal names, or its globs matched against the program's name) and `pipe_to_shell`,
    `fork_bomb` or `syntax_error` (a line entry filed under that flag, its gate)."""
    classes = target_classes(match)
    held = {"kind"}
    if classes <= {COMMAND}:
        held.add(COMMAND)
    if "program" in match and COMMAND in classes:
        listed = literal_programs(match)
        words = words_of(tuple(word_list(match["program"])), 0)  # what the predicate would match
        if listed is None or (words.literal is not None and not words.folded and
                              listed <= words.literal):
            held.add("program")
    flag = gate(match)
    if flag in ("pipe_to_shell", "fork_bomb", "syntax_error") and classes <= {LINE}:
        held.add(flag)
    return frozenset(held)


# What a target must have for a match with these keys to hold, most selective first: the
# engine checks a rule only against targets that have it.
GATES = ("pipe_to_shell", "fork_bomb", "syntax_error", "finding", "dynamic", "url", "content",
         "writes", "reads")
_GATE_KEYS = {"pipe_to_shell": ("pipe_to_shell",), "fork_bomb": ("fork_bomb",),
              "syntax_error": ("syntax_error",), "finding": ("finding",),
              "dynamic": ("dynamic",), "url": ("url_host", "url_ip", "url_scheme", "url_path"),
              "content": ("content",), "writes": ("writes",), "reads": ("reads",)}


def gate(match: dict[str, Any]) -> str | None:
    """The feature (see GATES) a target needs for `match` to hold, if one is needed."""
    for name in GATES:
        if any(key in match for key in _GATE_KEYS[name]):
            return name
    if "any_of" in match:
        found = {gate(sub) for sub in match["any_of"]}
        if len(found) == 1:
            return found.pop()
    return None


def branches(match: dict[str, Any]) -> list[dict[str, Any]]:
    """A match that is only `any_of` (and `not_path`) is its branches: each is indexed on its
    own, so a branch that names programs is only checked for them."""
    keys = set(match) - {"not_path"}
    if keys != {"any_of"}:
        return [match]
    found: list[dict[str, Any]] = []
    for sub in match["any_of"]:
        if "not_path" in match:
            sub = {**sub, "not_path": word_list(sub.get("not_path", []))
                   + word_list(match["not_path"])}
        found += branches(sub)
    return found


def program_globs(match: dict[str, Any]) -> Words | None:
    """The program names (with globs) a match can only hold for, when `program` says them and
    `literal_programs` cannot (`python*`): resolved against each program name once."""
    if "program" in match:
        return words_of(tuple(word_list(match["program"])), 0)
    return None


def literal_programs(match: dict[str, Any]) -> frozenset[str] | None:
    """Program names a match can only ever hold for, or None when it could hold for any target.

    Lets the engine index rules by program so a command is checked only against rules that
    name it (plus the rules that name no program). An `any_of` whose every branch names
    programs holds only for their union.
    """
    names: frozenset[str] | None = None
    if "program" in match:
        listed = word_list(match["program"])
        if not any(ch in name for name in listed for ch in "*?[{"):
            names = frozenset(listed)
    if "any_of" in match:
        branches = [literal_programs(sub) for sub in match["any_of"]]
        if any(b is None for b in branches):
            return names  # the other keys still have to hold: `program`, when literal
        union = frozenset().union(*(b for b in branches if b is not None))
        names = union if names is None else names & union
    return names


def literal_first_args(match: dict[str, Any]) -> frozenset[str] | None:
    """The first arguments a match can only hold for (`args: [[push, send-pack], ...]`), when
    they are all literal: the engine then checks it only for commands with one of them."""
    positions = match.get("args") or match.get("args_exact")
    if not positions:
        return None
    first = word_list(positions[0])
    if any(ch in word for word in first for ch in "*?[{"):
        return None
    return frozenset(first)
