"""Word globs (`program: [python*, node]`, `any_arg: "*token*"`): matched as a set when they
are all literal, by plain string tests where they allow it, and by one regular expression for
the rest, compiled on first use."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from approvald.policy.globs import GLOB_SYNTAX, word_glob_regex

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any


def word_list(value: Any) -> list[str]:
    """A key's value as its list of globs (one glob may be written without a list)."""
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
def words_of(globs: tuple[str, ...], flags: int) -> Words:
    """The Words of these globs (one per distinct list: rules share program lists)."""
    return Words(globs, flags)


def some_arg(words: Words) -> Callable[[tuple[str, ...]], bool]:
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

