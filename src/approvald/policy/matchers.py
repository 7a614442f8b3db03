"""Compile a rule's `match:` mapping into a predicate over targets.

A *target* is one thing a rule is checked against: one simple command of a shell line, the
shell line as a whole (redirections, download-piped-to-shell), or a non-shell action (a file
read, a fetch, an MCP call). Keys of one `match` must all hold; `any_of` holds when one of its
sub-matches does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from glob import iglob
from itertools import islice
from typing import Any

from approvald.model.actions import PROCESS_EXEC, normalize_path
from approvald.policy.errors import PolicyError
from approvald.policy.globs import GlobError, PathGlob, compile_path_glob, compile_word_glob
from approvald.shell.model import DYNAMIC_ARGS, DYNAMIC_NAME, SimpleCommand

# Programs whose last operand is where they write, not something they read.
_DEST_LAST = frozenset({"cp", "mv", "scp", "rsync", "install", "ln"})
# Characters that separate path-like tokens inside code (`python -c "open('.env')"`).
_TOKEN_SPLIT = re.compile(r"[\s'\"`(),;=<>|&\[\]{}]+")
_MAX_TOKENS_PER_ARG = 256
_GLOB_CHARS = re.compile(r"[*?\[]")
_MAX_GLOB_MATCHES = 64


@dataclass
class Target:
    kind: str
    tool: str
    text: str  # what a person reads in `explain`
    command: SimpleCommand | None = None
    paths: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    url_host: str | None = None
    mcp_server: str | None = None
    mcp_tool: str | None = None
    pipe_to_shell: bool = False
    fork_bomb: bool = False
    syntax_error: bool = False
    line_level: bool = False  # the whole shell line: never decides by default
    home: str = ""
    _path_args: tuple[str, ...] | None = field(default=None, repr=False)
    _read_args: tuple[str, ...] | None = field(default=None, repr=False)

    @property
    def path_args(self) -> tuple[str, ...]:
        """Every argument that could name a file, made absolute against the command's cwd."""
        if self._path_args is None:
            self._path_args = tuple(_path_candidates(self.command, self.home, False)) \
                if self.command else ()
        return self._path_args

    @property
    def read_args(self) -> tuple[str, ...]:
        """Like path_args, less the destination of copy-like programs (`cp SRC DEST`)."""
        if self._read_args is None:
            self._read_args = tuple(_path_candidates(self.command, self.home, True)) \
                if self.command else ()
        return self._read_args


def _path_candidates(cmd: SimpleCommand, home: str, reads_only: bool) -> Iterable[str]:
    operands = [i for i, a in enumerate(cmd.args) if not a.startswith("-")]
    skip = {operands[-1]} if reads_only and cmd.program in _DEST_LAST and len(operands) > 1 \
        else set()
    seen: set[str] = set()
    for index, arg in enumerate(cmd.args):
        if index in skip or index in cmd.dynamic_args or not arg:
            continue
        words = [arg]
        if arg.startswith("-"):
            words = [arg.split("=", 1)[1]] if "=" in arg else []
            if "@" in arg:  # curl -d@file, --data-binary=@file
                words.append(arg.rsplit("@", 1)[1])
        elif arg.startswith("@"):
            words = [arg[1:]]
        if any(c in arg for c in " \t\n'\"();"):
            words.extend(t for t in _TOKEN_SPLIT.split(arg)[:_MAX_TOKENS_PER_ARG] if t)
        for word in words:
            if not word or word in seen or len(word) > 4096:
                continue
            seen.add(word)
            path = normalize_path(word.lstrip("@"), cmd.cwd, home)
            yield path
            if _GLOB_CHARS.search(word):
                # Unquoted, bash hands the program whatever the pattern matches on disk:
                # `cat .en?` reads .env. (Quoting is gone by now; expanding a quoted pattern
                # too only ever errs towards looking at more files.)
                yield from islice(iglob(path), _MAX_GLOB_MATCHES)


Predicate = Callable[[Target], bool]


def _globs(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


class MatchCompiler:
    def __init__(self, home: str, file: str, rule_id: str) -> None:
        self.home = home
        self.file = file
        self.rule_id = rule_id

    def _word_globs(self, key: str, value: Any) -> tuple[re.Pattern[str], ...]:
        try:
            return tuple(compile_word_glob(g) for g in _globs(value))
        except GlobError as exc:
            raise PolicyError(str(exc), file=self.file, field=f"{self.rule_id}.match.{key}"
                              ) from None

    def _path_globs(self, key: str, value: Any) -> tuple[PathGlob, ...]:
        try:
            return tuple(compile_path_glob(g, self.home) for g in _globs(value))
        except GlobError as exc:
            raise PolicyError(str(exc), file=self.file, field=f"{self.rule_id}.match.{key}"
                              ) from None

    def compile(self, match: dict[str, Any]) -> Predicate:
        preds: list[Predicate] = []
        excluded = self._path_globs("not_path", match["not_path"]) if "not_path" in match \
            else ()

        def path_pred(globs: tuple[PathGlob, ...], get: Callable[[Target], Iterable[str]]
                      ) -> Predicate:
            def pred(t: Target) -> bool:
                return any(
                    any(g.matches(p) for g in globs) and not any(x.matches(p) for x in excluded)
                    for p in get(t)
                )
            return pred

        command_keys = {"program", "args", "any_arg", "not_any_arg", "path_arg", "read_arg",
                        "dynamic"}
        if "kind" in match:
            kinds = frozenset(_globs(match["kind"]))
            preds.append(lambda t: t.kind in kinds)
        elif command_keys & match.keys():
            preds.append(lambda t: t.command is not None)
        if "tool" in match:
            tools = self._word_globs("tool", match["tool"])
            preds.append(lambda t: any(g.match(t.tool) for g in tools))
        if "program" in match:
            programs = self._word_globs("program", match["program"])
            preds.append(lambda t: t.command is not None
                         and any(g.match(t.command.program) for g in programs))
        if "args" in match:
            positions = [self._word_globs("args", p) for p in match["args"]]

            def args_pred(t: Target) -> bool:
                args = t.command.args if t.command else ()
                return len(args) >= len(positions) and all(
                    any(g.match(args[i]) for g in alts) for i, alts in enumerate(positions))
            preds.append(args_pred)
        if "any_arg" in match:
            any_globs = self._word_globs("any_arg", match["any_arg"])
            preds.append(lambda t: t.command is not None and any(
                g.match(a) for a in t.command.args for g in any_globs))
        if "not_any_arg" in match:
            none_globs = self._word_globs("not_any_arg", match["not_any_arg"])
            preds.append(lambda t: t.command is not None and not any(
                g.match(a) for a in t.command.args for g in none_globs))
        if "path_arg" in match:
            preds.append(path_pred(self._path_globs("path_arg", match["path_arg"]),
                                   lambda t: t.path_args))
        if "read_arg" in match:
            preds.append(path_pred(self._path_globs("read_arg", match["read_arg"]),
                                   lambda t: t.read_args))
        if "path" in match:
            preds.append(path_pred(self._path_globs("path", match["path"]), lambda t: t.paths))
        if "reads" in match:
            preds.append(path_pred(self._path_globs("reads", match["reads"]), lambda t: t.reads))
        if "writes" in match:
            preds.append(path_pred(self._path_globs("writes", match["writes"]),
                                   lambda t: t.writes))
        if "dynamic" in match:
            wanted = {"name": {DYNAMIC_NAME}, "args": {DYNAMIC_ARGS},
                      "any": {DYNAMIC_NAME, DYNAMIC_ARGS}}[match["dynamic"]]
            preds.append(lambda t: t.command is not None and t.command.dynamic in wanted)
        if "url_host" in match:
            hosts = self._word_globs("url_host", match["url_host"])
            preds.append(lambda t: t.url_host is not None
                         and any(g.match(t.url_host) for g in hosts))
        if "mcp_server" in match:
            servers = self._word_globs("mcp_server", match["mcp_server"])
            preds.append(lambda t: t.mcp_server is not None
                         and any(g.match(t.mcp_server) for g in servers))
        if "mcp_tool" in match:
            mcp_tools = self._word_globs("mcp_tool", match["mcp_tool"])
            preds.append(lambda t: t.mcp_tool is not None
                         and any(g.match(t.mcp_tool) for g in mcp_tools))
        if "pipe_to_shell" in match:
            preds.append(lambda t: t.pipe_to_shell)
        if "fork_bomb" in match:
            preds.append(lambda t: t.fork_bomb)
        if "syntax_error" in match:
            preds.append(lambda t: t.syntax_error)
        if "any_of" in match:
            subs = [self.compile(sub) for sub in match["any_of"]]
            preds.append(lambda t: any(s(t) for s in subs))
        if not preds:
            raise PolicyError("match has nothing to match on", file=self.file,
                              field=f"{self.rule_id}.match")
        if len(preds) == 1:
            return preds[0]
        return lambda t: all(p(t) for p in preds)


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


def is_exec_only(match: dict[str, Any]) -> bool:
    kinds = match.get("kind")
    return kinds is not None and set(_globs(kinds)) == {PROCESS_EXEC}
