"""Compile a rule's `match:` mapping into a predicate over targets (see `targets.py`).

Keys of one `match` must all hold; `any_of` holds when one of its sub-matches does. Every key's
patterns are compiled into one regular expression, and the keys are checked cheapest first.
`target_classes` says which kinds of target a match can ever hold for, so the engine only
checks a rule against those (and, for commands, only against rules naming that program).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from approvald.model.actions import KINDS, PROCESS_EXEC
from approvald.policy.errors import PolicyError
from approvald.policy.globs import GLOB_SYNTAX, GlobError, word_glob_regex
from approvald.policy.pathsets import PathGlobSet, compile_set
from approvald.policy.targets import Target, has_glob
from approvald.shell.model import DYNAMIC_ARGS, DYNAMIC_NAME

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

Predicate = Callable[[Target], bool]

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
_COMMAND_KEYS = frozenset(_KEY_CLASSES) - {
    "path", "reads", "writes", "content", "finding", "url_host", "url_ip", "url_scheme",
    "url_path", "http_method", "mcp_server", "mcp_tool", "mcp_args", "pipe_to_shell",
    "fork_bomb", "syntax_error"}


def _globs(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


class Words:
    """Word globs: a set when they are all literal; else, when case counts, the words that are
    literal, a prefix (`mkfs.*`), a suffix (`*rc`) or a part (`*token*`) compared as strings,
    and one regex of the rest, compiled on first use (a process deciding once would otherwise
    compile every program list it meets)."""

    __slots__ = ("_exact", "_fold", "_inner", "_literal", "_needs", "_prefixes", "_regex",
                 "_source", "_suffixes", "screen")

    def __init__(self, globs: tuple[str, ...], flags: int) -> None:
        self._fold = bool(flags & re.IGNORECASE)
        literal = all(isinstance(g, str) and GLOB_SYNTAX.search(g) is None for g in globs)
        self._literal: frozenset[str] | None = frozenset(
            g.lower() if self._fold else g for g in globs) if literal else None
        exact: set[str] = set()
        prefixes: list[str] = []
        suffixes: list[str] = []
        inner: list[str] = []
        rest: list[str] = []
        for glob in () if literal else globs:
            how, text = (None, "") if self._fold else _shape(glob)
            if how == _EXACT:
                exact.add(text)
            elif how == _PREFIX:
                prefixes.append(text)
            elif how == _SUFFIX:
                suffixes.append(text)
            elif how == _INNER:
                inner.append(text)
            else:
                rest.append(glob)
        if literal and "" in globs:
            rest = list(globs)  # (word_glob_regex says why an empty word is no pattern)
        self._exact = frozenset(exact)
        self._prefixes = tuple(prefixes)
        self._suffixes = tuple(suffixes)
        self._inner = tuple(inner)
        self._source: tuple[str, int] | None = (
            "|".join(f"(?:{word_glob_regex(g)})" for g in rest), re.DOTALL | flags) \
            if rest else None
        self._regex: re.Pattern[str] | None = None
        # A text the regex can match holds one of these (each of its globs' plain parts): a
        # text holding none skips the regex (most arguments, against `*$APPROVALD_HOME*`).
        needs = [_plain_part(g) for g in rest] if rest and not self._fold else []
        self._needs: tuple[str, ...] | None = tuple(needs) if needs and all(needs) else None
        # Texts one of which every word this matches holds (None: no such list): a list of
        # words holding none of them has no match, known without matching each word.
        parts = [*exact, *prefixes, *suffixes, *inner, *(self._needs or ())]
        self.screen: tuple[str, ...] | None = tuple(parts) if (
            not literal and not self._fold and parts and all(parts)
            and (not rest or self._needs is not None)) else None

    @property
    def literal(self) -> frozenset[str] | None:
        """The words, when none has glob syntax (compared as a set)."""
        return self._literal

    @property
    def folded(self) -> bool:
        """Whether case is ignored."""
        return self._fold

    def compile(self) -> None:
        """Compile the regex now, as a first `match` does (and fail as it would)."""
        if self._source is not None and self._regex is None:
            self._regex = re.compile(*self._source)

    def match(self, text: str) -> bool:
        if self._literal is not None:
            return (text.lower() if self._fold else text) in self._literal
        if self._source is not None:  # first: a glob the regex engine refuses fails every match
            regex = self._regex
            if regex is None:
                regex = self._regex = re.compile(*self._source)
            needs = self._needs
            if needs is None:
                if regex.match(text) is not None:
                    return True
            else:
                for part in needs:
                    if part in text:
                        if regex.match(text) is not None:
                            return True
                        break
        if text in self._exact or (self._prefixes and text.startswith(self._prefixes)) or \
                (self._suffixes and text.endswith(self._suffixes)):
            return True
        for part in self._inner:  # noqa: SIM110 (a loop: cheaper than any() over a generator)
            if part in text:
                return True
        return False


_EXACT, _PREFIX, _SUFFIX, _INNER = range(4)


def _plain_part(glob: object) -> str:
    """The longest run of plain characters of a word glob outside `[...]` and `{...}`: every
    word it matches holds that run ("" when there is none)."""
    if not isinstance(glob, str):
        return ""
    runs: list[str] = []
    run: list[str] = []
    depth = 0
    i = 0
    while i < len(glob):
        c = glob[i]
        if c == "[":
            end = glob.find("]", i + 2 if glob[i + 1:i + 2] in ("!", "]") else i + 1)
            if end == -1:
                return ""
            i = end
        elif c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and c not in "*?":
            run.append(c)
            i += 1
            continue
        runs.append("".join(run))
        run = []
        i += 1
    runs.append("".join(run))
    return max(runs, key=len)


def _shape(glob: object) -> tuple[int | None, str]:
    """(how, text) when the word glob `glob` is a literal, `text*`, `*text` or `*text*` (a `*`
    matches anything in a word glob), else (None, ""): it needs its regex."""
    if not isinstance(glob, str) or not glob:
        return None, ""
    head = glob.startswith("*")
    core = glob[1:] if head else glob
    tail = core.endswith("*")
    core = core[:-1] if tail else core
    if GLOB_SYNTAX.search(core):
        return None, ""
    return (_INNER if tail else _SUFFIX) if head else (_PREFIX if tail else _EXACT), core


@lru_cache(maxsize=4096)
def _words(globs: tuple[str, ...], flags: int) -> Words:
    return Words(globs, flags)


def target_classes(match: dict[str, Any]) -> frozenset[str]:
    classes = _EVERYWHERE
    for key, value in match.items():
        if key == "kind":
            kinds = set(_globs(value))
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


class MatchCompiler:
    def __init__(self, home: str, file: str, rule_id: str) -> None:
        self.home = home
        self.file = file
        self.rule_id = rule_id

    def _error(self, key: str, message: str) -> PolicyError:
        return PolicyError(message, file=self.file, field=f"{self.rule_id}.match.{key}")

    def _word_regex(self, key: str, value: Any, flags: int = 0) -> Words:
        try:
            return _words(tuple(_globs(value)), flags)
        except GlobError as exc:
            raise self._error(key, str(exc)) from None

    def _path_set(self, key: str, value: Any) -> PathGlobSet:
        try:
            return compile_set(_globs(value), self.home)
        except GlobError as exc:
            raise self._error(key, str(exc)) from None

    def compile(self, match: dict[str, Any], for_entry: bool = False) -> Predicate:
        """`match`'s predicate. `for_entry`: the predicate of `match`'s own index entry (a
        branch, see ruleset.py), which leaves out the checks `index_holds` says the index made
        for every target it hands that entry (its problems are found all the same)."""
        preds: list[tuple[int, str, Predicate]] = []
        excluded = self._path_set("not_path", match["not_path"]) if "not_path" in match \
            else None

        def path_pred(paths: PathGlobSet, get: Callable[[Target], Iterable[str]],
                      from_args: bool = False) -> Predicate:
            # path_arg / read_arg: most commands' arguments cannot name a path of the set, and
            # Target.args_lack says so without making every argument an absolute path
            tokens = paths.tokens if from_args else None

            def pred(t: Target) -> bool:
                if tokens is not None and t.args_lack(tokens):
                    return False
                for p in get(t):
                    hit = paths.matches(p) or (has_glob(p) and p in t.globs
                                               and paths.could_match(p))
                    if hit and not (excluded is not None and excluded.matches(p)):
                        return True
                return False
            return pred

        def add(cost: int, pred: Predicate, key: str = "") -> None:
            preds.append((cost, key, pred))

        if "kind" in match:
            kinds = frozenset(_globs(match["kind"]))
            add(0, lambda t: t.kind in kinds, "kind")
        elif not _COMMAND_KEYS.isdisjoint(match):
            add(0, lambda t: t.command is not None, COMMAND)
        if "tool" in match:
            tools = self._word_regex("tool", match["tool"])
            add(0, lambda t: tools.match(t.tool))
        if "program" in match:
            programs = self._word_regex("program", match["program"])
            add(0, lambda t: t.command is not None and programs.match(t.command.program),
                "program")
        if "pipe_to_shell" in match:
            add(0, lambda t: t.pipe_to_shell, "pipe_to_shell")
        if "fork_bomb" in match:
            add(0, lambda t: t.fork_bomb, "fork_bomb")
        if "syntax_error" in match:
            add(0, lambda t: t.syntax_error, "syntax_error")
        if "dynamic" in match:
            wanted = {"name": {DYNAMIC_NAME}, "args": {DYNAMIC_ARGS},
                      "any": {DYNAMIC_NAME, DYNAMIC_ARGS}}[match["dynamic"]]
            add(0, lambda t: t.command is not None and t.command.dynamic in wanted)
        if "args" in match:
            positions = [self._word_regex("args", p) for p in match["args"]]

            def args_pred(t: Target) -> bool:
                args = t.command.args if t.command else ()
                if len(args) < len(positions):
                    return False
                # a loop: cheaper than all() over a generator (args may be longer)
                for arg, alts in zip(args, positions, strict=False):  # noqa: SIM110
                    if not alts.match(arg):
                        return False
                return True
            add(1, args_pred)
        if "args_exact" in match:
            exact = [self._word_regex("args_exact", p) for p in match["args_exact"]]

            def exact_pred(t: Target) -> bool:
                args = t.command.args if t.command else ()
                return len(args) == len(exact) and all(
                    alts.match(args[i]) for i, alts in enumerate(exact))
            add(1, exact_pred)
        if "any_arg" in match:
            any_arg = _some_arg(self._word_regex("any_arg", match["any_arg"]))
            add(1, lambda t: t.command is not None and any_arg(t.command.args))
        if "not_any_arg" in match:
            none_arg = _some_arg(self._word_regex("not_any_arg", match["not_any_arg"]))
            add(1, lambda t: t.command is not None and not none_arg(t.command.args))
        if "option" in match:
            add(1, self._options(match["option"], negate=False))
        if "not_option" in match:
            add(1, self._options(match["not_option"], negate=True))
        if "wrapper" in match:
            wrappers = self._word_regex("wrapper", match["wrapper"])
            add(1, lambda t: t.command is not None and any(
                wrappers.match(w) for w in t.command.wrappers))
        if "env" in match:
            env = self._word_regex("env", match["env"])
            add(1, lambda t: t.command is not None and any(
                env.match(a) for a in t.command.assignments))
        if "finding" in match:
            names = frozenset(_globs(match["finding"]))
            add(0, lambda t: bool(names & t.findings) or (
                t.command is not None and bool(names & t.command.findings)))
        if "mcp_server" in match:
            servers = self._word_regex("mcp_server", match["mcp_server"])
            add(0, lambda t: t.mcp_server is not None and servers.match(t.mcp_server))
        if "mcp_tool" in match:
            mcp_tools = self._word_regex("mcp_tool", match["mcp_tool"])
            add(0, lambda t: t.mcp_tool is not None and mcp_tools.match(t.mcp_tool))
        if "mcp_args" in match:
            add(1, self._mcp_args(match["mcp_args"]))
        if "http_method" in match:
            methods = self._word_regex("http_method", match["http_method"], re.IGNORECASE)
            add(0, lambda t: t.method is not None and methods.match(t.method))
        if "url_scheme" in match:
            schemes = self._word_regex("url_scheme", match["url_scheme"], re.IGNORECASE)
            add(2, lambda t: any(schemes.match(u.scheme) for u in t.urls))
        if "url_host" in match:
            hosts = self._word_regex("url_host", match["url_host"], re.IGNORECASE)
            add(2, lambda t: any(hosts.match(u.host) for u in t.urls))
        if "url_path" in match:
            url_paths = self._word_regex("url_path", match["url_path"])
            add(2, lambda t: any(url_paths.match(u.path) for u in t.urls))
        if "url_ip" in match:
            from approvald.policy import netaddr  # for such rules only: it imports ipaddress

            try:
                networks = netaddr.parse_networks(_globs(match["url_ip"]))
            except ValueError as exc:
                raise self._error("url_ip", str(exc)) from None
            add(2, lambda t: any(u.address is not None and netaddr.in_networks(
                u.address, networks) for u in t.urls))
        if "content" in match:
            content = self._word_regex("content", match["content"])
            add(2, lambda t: any(content.match(text) for text in t.content))
        for key, get in (("path_arg", lambda t: t.path_args),
                         ("read_arg", lambda t: t.read_args),
                         ("path", lambda t: t.paths), ("reads", lambda t: t.reads),
                         ("cwd", lambda t: (t.command.cwd,) if t.command else ()),
                         ("writes", lambda t: t.writes)):
            if key in match:
                add(3, path_pred(self._path_set(key, match[key]), get,
                                 key in ("path_arg", "read_arg")))
        if "any_of" in match:
            add(2, _disjunction([self.compile(sub) for sub in match["any_of"]]))
        if not preds:
            raise PolicyError("match has nothing to match on", file=self.file,
                              field=f"{self.rule_id}.match")
        held = index_holds(match) if for_entry else frozenset()
        ordered = [pred for _, key, pred in sorted(preds, key=lambda item: item[0])
                   if key not in held]
        return _conjunction(ordered) if ordered else _always  # (`program: [xdotool, ...]`)

    def _options(self, spec: Any, negate: bool) -> Predicate:
        """`option: {names: [-X, --method], value: [POST, PUT]}`: an option given (with a value
        matching, when `value` is there) as `-X POST`, `-XPOST`, `--method=POST`,
        `--method POST`. A list of such mappings: any of them."""
        checks = []
        for item in spec if isinstance(spec, list) else [spec]:
            names = tuple(_globs(item["names"]))
            value = self._word_regex("option", item["value"], re.IGNORECASE) \
                if "value" in item else None
            checks.append((names, value))

        def given(t: Target) -> bool:
            args = t.command.args if t.command else ()
            for names, value in checks:
                for index, arg in enumerate(args):
                    for name in names:
                        found: str | None = None
                        if arg == name:
                            found = args[index + 1] if index + 1 < len(args) else ""
                        elif name.startswith("--") and arg.startswith(name + "="):
                            found = arg[len(name) + 1:]
                        elif len(name) == 2 and arg.startswith(name) and not \
                                arg.startswith("--"):
                            found = arg[2:]
                        else:
                            continue
                        if value is None or value.match(found):
                            return True
            return False

        if negate:
            return lambda t: t.command is not None and not given(t)
        return lambda t: t.command is not None and given(t)

    def _mcp_args(self, spec: Any) -> Predicate:
        """`mcp_args: {branch: [main, master], "*path*": "*.env"}`: every listed argument (by
        name, a glob) has a value matching; nested values are named `outer.inner`."""
        if not isinstance(spec, dict) or not spec:
            raise self._error("mcp_args", "must map argument names to value patterns")
        checks = [(self._word_regex("mcp_args", name), self._word_regex("mcp_args", values))
                  for name, values in spec.items()]

        def pred(t: Target) -> bool:
            return all(any(name.match(n) and values.match(v) for n, v in t.mcp_args)
                       for name, values in checks)
        return pred


def _some_arg(words: Words) -> Callable[[tuple[str, ...]], bool]:
    """Whether some argument matches `words` (a set lookup when they are all literal)."""
    literal = words.literal
    if literal is not None and not words.folded:
        return lambda args: not literal.isdisjoint(args)
    match = words.match
    screen = words.screen
    compile_regex = words.compile

    def some(args: tuple[str, ...]) -> bool:
        if screen is not None:  # most argument lists hold none of the words' plain parts
            joined = "\n".join(args)
            for part in screen:
                if part in joined:
                    break
            else:
                compile_regex()  # as matching a word would have (a refused glob fails alike)
                return False
        for arg in args:  # noqa: SIM110 (a loop: cheaper than any() over a generator)
            if match(arg):
                return True
        return False
    return some


def _always(target: Target) -> bool:
    return True


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
        words = _words(tuple(_globs(match["program"])), 0)  # what the predicate would match
        if listed is None or (words.literal is not None and not words.folded and
                              listed <= words.literal):
            held.add("program")
    flag = gate(match)
    if flag in ("pipe_to_shell", "fork_bomb", "syntax_error") and classes <= {LINE}:
        held.add(flag)
    return frozenset(held)


def _conjunction(preds: list[Predicate]) -> Predicate:
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        first, second = preds
        return lambda t: first(t) and second(t)
    if len(preds) == 3:
        one, two, three = preds
        return lambda t: one(t) and two(t) and three(t)

    def every(t: Target) -> bool:  # a plain loop: cheaper than all() over a generator
        for pred in preds:  # noqa: SIM110
            if not pred(t):
                return False
        return True
    return every


def _disjunction(preds: list[Predicate]) -> Predicate:
    def some(t: Target) -> bool:
        for pred in preds:  # noqa: SIM110
            if pred(t):
                return True
        return False
    return some


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
            sub = {**sub, "not_path": _globs(sub.get("not_path", [])) + _globs(match["not_path"])}
        found += branches(sub)
    return found


def program_globs(match: dict[str, Any]) -> Words | None:
    """The program names (with globs) a match can only hold for, when `program` says them and
    `literal_programs` cannot (`python*`): resolved against each program name once."""
    if "program" in match:
        return _words(tuple(_globs(match["program"])), 0)
    return None


def literal_programs(match: dict[str, Any]) -> frozenset[str] | None:
    """Program names a match can only ever hold for, or None when it could hold for any target.

    Lets the engine index rules by program so a command is checked only against rules that
    name it (plus the rules that name no program). An `any_of` whose every branch names
    programs holds only for their union.
    """
    names: frozenset[str] | None = None
    if "program" in match:
        listed = _globs(match["program"])
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
    first = _globs(positions[0])
    if any(ch in word for word in first for ch in "*?[{"):
        return None
    return frozenset(first)
