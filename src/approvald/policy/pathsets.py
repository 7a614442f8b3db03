"""Sets of path globs compiled into one regular expression each, and the question whether a
glob written in a command (`cat .env*`, `cat ~/.ssh/*`) could name a file a set matches.

A path glob without `/` matches a file name anywhere; with `/` the whole absolute path (see
`globs.py`). A set keeps one alternation for names and one for whole paths, so a path is
checked against every pattern of a rule with two regex matches.

Could-match (for globs in arguments, which the shell expands on disk, and the Grep tool's
`glob`): the set's patterns are turned into example names (`.env.*` -> `.env.`, `.env.x`;
`~/.ssh/id_*` -> `/home/u/.ssh/id_x`) and the argument's glob into examples too; the glob could
match when an example of one side matches the other. The shell's rule that `*` does not match a
leading `.` is kept, and an argument glob that starts with a wildcard (`*.json`) is only matched
against real files (by expanding it on disk), so a broad pattern in a project is not a secret by
itself.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from itertools import product

from approvald.model.lazyre import lazy_compile
from approvald.policy.globs import GlobError, _translate, path_glob_regex

_GLOB_CHARS = lazy_compile(r"[*?\[]")
_FILL_SYNTAX = lazy_compile(r"[*?\[{]")  # what `_fill` replaces (any other character stays)
_MAX_EXAMPLES = 64
_MEMO_LIMIT = 4096  # paths remembered per set (then forgotten at once: memory stays bounded)


class PathGlobSet:
    """A rule's path patterns: `matches(path)` and `could_match(glob)`."""

    def __init__(self, patterns: tuple[str, ...], home: str) -> None:
        self.patterns = patterns
        self.home = home
        names: list[str] = []
        fulls: list[str] = []
        # Literal patterns skip the regexes: names and whole paths in sets, `DIR/**` as
        # prefixes (most of a rule's list is literal: `~/.aws/credentials`, `~/.ssh/**`), and
        # a relative one, which may sit at any depth (`(?:.*/)?` first: a regex scanning the
        # whole path once per pattern), as an end (`.claude/settings.json`) or a part
        # (`.claude/plugins/**`) of the path after a `/`.
        literal_names: set[str] = set()
        literal_paths: set[str] = set()
        prefixes: list[str] = []
        ends: list[str] = []
        parts: list[str] = []
        for pattern in patterns:  # translated now, so a bad glob is an error at load time
            body, basename_only = path_glob_regex(pattern, home)
            literal = _literal(pattern, home)
            if literal is not None and basename_only:
                literal_names.add(literal.rstrip("/"))
            elif literal is not None and literal.startswith("/"):
                literal_paths.add(literal.rstrip("/") or "/")
            elif literal is not None:  # `(?:.*/)?LITERAL\Z`
                literal_paths.add(literal.rstrip("/"))
                ends.append("/" + literal.rstrip("/"))
            elif pattern.endswith("/**") and (head := _literal(pattern[:-3], home)):
                if head.startswith("/"):
                    prefixes.append(head.rstrip("/") + "/")
                else:  # `(?:.*/)?HEAD/.*\Z`
                    parts.append("/" + head + "/")
            else:
                (names if basename_only else fulls).append(body)
        self._names = frozenset(literal_names)
        self._paths = frozenset(literal_paths)
        self._prefixes = tuple(prefixes)
        self._ends = tuple(ends)
        self._parts = tuple(parts)
        self._sources = ("|".join(f"(?:{p})" for p in names) if names else None,
                         "|".join(f"(?:{p})" for p in fulls) if fulls else None)
        self._compiled: tuple[re.Pattern[str] | None, re.Pattern[str] | None] | None = None
        self.tokens = _tokens(patterns, home)
        self._memo: dict[str, bool] = {}
        self._could: dict[str, bool] = {}

    def _regexes(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        if self._compiled is None:  # compiled on first use: many rules never meet a path
            names, fulls = self._sources
            self._compiled = (re.compile(names) if names else None,
                              re.compile(fulls, re.DOTALL) if fulls else None)
        return self._compiled

    @property
    def _examples(self) -> tuple[tuple[str, bool], ...]:
        return _examples(self.patterns, self.home)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, path: str) -> bool:
        # A pure function of the path: remembered (several rules share a set, and a command's
        # paths recur: its cwd, its files), up to a bound.
        known = self._memo.get(path)
        return known if known is not None else _remember(self._memo, path,
                                                         self._matches(path))

    def _matches(self, path: str) -> bool:
        if path in self._paths or (self._prefixes and path.startswith(self._prefixes)) or \
                (self._ends and path.endswith(self._ends)):
            return True
        if self._parts:
            rooted = "/" + path
            for part in self._parts:
                if part in rooted:
                    return True
        names, fulls = self._compiled or self._regexes()
        if self._names or names is not None:
            name = _name(path)
            if name in self._names or (names is not None and names.match(name)):
                return True
        return fulls is not None and fulls.match(path) is not None

    def could_match(self, pattern: str) -> bool:
        """Could the shell glob `pattern` (an absolute path with `*?[`) name a matched file?
        (Pure, like `matches`: remembered per pattern, up to a bound.)"""
        known = self._could.get(pattern)
        return known if known is not None else _remember(self._could, pattern,
                                                         self._could_match(pattern))

    def _could_match(self, pattern: str) -> bool:
        if self.matches(pattern):
            return True
        shell = shell_glob(pattern)
        if shell is None:
            return False
        base = os.path.basename(pattern)
        directory = os.path.dirname(pattern)
        literal_start = bool(base) and not _GLOB_CHARS.match(base)
        for example, named in self._examples:
            candidate = os.path.join(directory, example) if named else example
            if (literal_start or not named) and shell.match(candidate):
                return True
        return any(self.matches(example) for example in _glob_examples(pattern))


def _tokens(patterns: tuple[str, ...], home: str) -> tuple[str, ...] | None:
    """Texts one of which every path the set matches contains (None: no such list): from each
    pattern, the longest literal run of its names, those under the home directory preferred
    (`~/.ssh/id_*` -> `.ssh`; the home's own names are in most paths). A run has no `/`, `\\`
    or newline, so it lies inside one name of a matched path."""
    found: set[str] = set()
    root = home.rstrip("/") + "/"
    for pattern in patterns:
        expanded = root[:-1] + pattern[1:] if pattern == "~" or pattern.startswith("~/") \
            else pattern
        names = expanded.split("/")
        if expanded.startswith(root) and len(root) > 1:
            names = expanded[len(root):].split("/")
        token = _longest_run(names) or _longest_run(expanded.split("/"))
        if not token:
            return None
        found.add(token)
    # a token that holds another one adds nothing
    return tuple(sorted(t for t in found if not any(o != t and o in t for o in found)))


def _longest_run(names: list[str]) -> str:
    runs = [run for name in names if not any(c in name for c in "[]{}\\\n")
            for run in name.replace("?", "*").split("*")]  # a class or alternatives: skipped
    return max(runs, key=len, default="")


def _remember(memo: dict[str, bool], key: str, value: bool) -> bool:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


@lru_cache(maxsize=8192)
def _name(path: str) -> str:
    """The file name a name pattern is matched against (every rule asks for the same paths)."""
    return os.path.basename(path.rstrip("/")) or path


def _literal(pattern: str, home: str) -> str | None:
    """The pattern with `~` expanded when it has no glob syntax at all, else None."""
    if any(c in pattern for c in "*?[]{}\\"):
        return None
    if pattern == "~" or pattern.startswith("~/"):
        return home.rstrip("/") + pattern[1:]
    return pattern


def compile_set(patterns: list[str], home: str) -> PathGlobSet:
    return _compile_set(tuple(patterns), home)


@lru_cache(maxsize=1024)
def _compile_set(patterns: tuple[str, ...], home: str) -> PathGlobSet:
    """One set per distinct list (the starter uses its secret list in several rules)."""
    return PathGlobSet(patterns, home)


@lru_cache(maxsize=4096)
def shell_glob(pattern: str) -> re.Pattern[str] | None:
    """A shell glob over whole paths: `*`, `?`, `[...]` stop at `/` and do not match a
    leading `.` of a name."""
    parts = []
    for segment in pattern.split("/"):
        while "**" in segment:  # without globstar, ** is *
            segment = segment.replace("**", "*")
        try:
            body = _translate(segment, path=True)
        except GlobError:
            return None
        if segment[:1] in ("*", "?", "["):
            body = r"(?!\.)" + body
        parts.append(body)
    return re.compile("/".join(parts) + r"\Z", re.DOTALL)


@lru_cache(maxsize=256)
def _examples(patterns: tuple[str, ...], home: str) -> tuple[tuple[str, bool], ...]:
    """Example paths each pattern matches: (example, is a bare name)."""
    found: list[tuple[str, bool]] = []
    for pattern in patterns:
        expanded = pattern
        if expanded == "~" or expanded.startswith("~/"):
            expanded = home.rstrip("/") + expanded[1:]
        named = "/" not in expanded.rstrip("/")
        if not named and not expanded.startswith("/"):
            continue  # relative with a directory: any depth; names cover the common case
        for example in _fill(expanded.replace("**", "*")):
            found.append((example, named))
    return tuple(found)


def _glob_examples(pattern: str) -> list[str]:
    """Example paths an argument glob would match (wildcards filled with `` and `x`)."""
    base = os.path.basename(pattern)
    examples = _fill(pattern)
    if base[:1] in ("*", "?", "["):  # the shell never fills a leading `.` from a wildcard
        examples = [e for e in examples if not os.path.basename(e).startswith(".")]
    return examples


def _fill(pattern: str) -> list[str]:
    """Replace wildcards by short fillers; braces by each alternative."""
    pieces: list[list[str]] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            pieces.append(["", "x"])
        elif char == "?":
            pieces.append(["x"])
        elif char == "[":
            end = pattern.find("]", index + 2)
            if end == -1:
                pieces.append(["["])
            else:
                body = pattern[index + 1:end]
                if body[:1] in ("!", "^"):
                    excluded = set(body[1:])
                    pieces.append([next(c for c in "xyz_" if c not in excluded)])
                else:
                    pieces.append([body[0]])
                index = end
        elif char == "{":
            end = pattern.find("}", index)
            if end == -1:
                pieces.append(["{"])
            else:
                pieces.append(pattern[index + 1:end].split(","))
                index = end
        else:  # a run of plain characters: one piece (a path is mostly plain)
            found = _FILL_SYNTAX.search(pattern, index)
            end = found.start() if found is not None else len(pattern)
            pieces.append([pattern[index:end]])
            index = end
            continue
        index += 1
    examples = []
    for combination in product(*pieces):
        examples.append("".join(combination))
        if len(examples) >= _MAX_EXAMPLES:
            break
    return examples
