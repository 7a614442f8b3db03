"""Compile a rule's `match:` mapping into a predicate over targets (see `targets.py`).

Keys of one `match` must all hold; `any_of` holds when one of its sub-matches does. Every key's
patterns are compiled into one regular expression (`words.py`, `pathsets.py`), and the keys are
checked cheapest first, leaving out what the rule index checks itself (`index.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from approvald.policy.errors import PolicyError
from approvald.policy.globs import GlobError
from approvald.policy.index import COMMAND, COMMAND_KEYS, index_holds
from approvald.policy.pathsets import PathGlobSet, compile_set
from approvald.policy.targets import Target, has_glob
from approvald.policy.words import Words, some_arg, word_list, words_of
from approvald.shell.model import DYNAMIC_ARGS, DYNAMIC_NAME

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

Predicate = Callable[[Target], bool]


class MatchCompiler:
    def __init__(self, home: str, file: str, rule_id: str) -> None:
        self.home = home
        self.file = file
        self.rule_id = rule_id

    def _error(self, key: str, message: str) -> PolicyError:
        return PolicyError(message, file=self.file, field=f"{self.rule_id}.match.{key}")

    def _word_regex(self, key: str, value: Any, flags: int = 0) -> Words:
        try:
            return words_of(tuple(word_list(value)), flags)
        except GlobError as exc:
            raise self._error(key, str(exc)) from None

    def _path_set(self, key: str, value: Any) -> PathGlobSet:
        try:
            return compile_set(word_list(value), self.home)
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
            kinds = frozenset(word_list(match["kind"]))
            add(0, lambda t: t.kind in kinds, "kind")
        elif not COMMAND_KEYS.isdisjoint(match):
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
            any_arg = some_arg(self._word_regex("any_arg", match["any_arg"]))
            add(1, lambda t: t.command is not None and any_arg(t.command.args))
        if "not_any_arg" in match:
            none_arg = some_arg(self._word_regex("not_any_arg", match["not_any_arg"]))
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
            names = frozenset(word_list(match["finding"]))
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
                networks = netaddr.parse_networks(word_list(match["url_ip"]))
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
            names = tuple(word_list(item["names"]))
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



def _always(target: Target) -> bool:
    return True



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


