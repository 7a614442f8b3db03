"""Glob patterns for policy rules, compiled once to regular expressions.

Two flavours:
- word globs (`delete-*`, `push`): `*`, `?`, `[...]`, `{a,b}` over a whole word;
- path globs: a pattern without `/` matches a file's name anywhere (`.env.*`, `id_rsa`), like a
  gitignore line; with `/` it matches the whole absolute path, `~` meaning the user's home,
  `**` any number of directories, and a relative pattern may sit at any depth
  (`.claude/settings.json` == `**/.claude/settings.json`).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Frozen


class GlobError(ValueError):
    pass


GLOB_SYNTAX = lazy_compile(r"[*?\[{}]")  # what _translate reads as glob syntax (`,` only inside {})


def _translate(pattern: str, *, path: bool) -> str:
    """Glob -> regex body. In path mode `*` stops at `/` and `**` crosses it."""
    if not GLOB_SYNTAX.search(pattern):  # most policy words are literal: one escape, not one a char
        return re.escape(pattern)
    out: list[str] = []
    i, n = 0, len(pattern)
    brace_depth = 0
    any_char = "[^/]" if path else "."
    while i < n:
        c = pattern[i]
        if c == "*":
            if path and pattern.startswith("**", i):
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
                continue
            out.append(any_char + "*")
        elif c == "?":
            out.append(any_char)
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end == -1:
                raise GlobError(f"unclosed '[' in glob {pattern!r}")
            body = pattern[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            bracket = "[" + body.replace("\\", "\\\\") + "]"
            try:  # a class the regex engine refuses (`[z-a]`) is an error at load, not at use
                re.compile(bracket)
            except re.error as exc:
                raise GlobError(f"bad character class in glob {pattern!r}: {exc.msg}") from None
            out.append(bracket)
            i = end
        elif c == "{":
            brace_depth += 1
            out.append("(?:")
        elif c == "}" and brace_depth:
            brace_depth -= 1
            out.append(")")
        elif c == "," and brace_depth:
            out.append("|")
        elif c == "}":
            raise GlobError(f"unmatched '}}' in glob {pattern!r}")
        else:  # a run of plain characters, escaped at once
            end = i + 1
            while end < n and pattern[end] not in "*?[{},":
                end += 1
            out.append(re.escape(pattern[i:end]))
            i = end
            continue
        i += 1
    if brace_depth:
        raise GlobError(f"unclosed '{{' in glob {pattern!r}")
    return "".join(out)


@lru_cache(maxsize=4096)
def compile_word_glob(pattern: str) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise GlobError("a pattern must be a non-empty string")
    return re.compile(_translate(pattern, path=False) + r"\Z", re.DOTALL)


class PathGlob(Frozen):
    pattern: str
    regex: re.Pattern[str]
    basename_only: bool

    def __init__(self, pattern: str, regex: re.Pattern[str], basename_only: bool) -> None:
        self.__dict__.update(pattern=pattern, regex=regex, basename_only=basename_only)

    def matches(self, path: str) -> bool:
        if self.basename_only:
            return bool(self.regex.match(os.path.basename(path.rstrip("/")) or path))
        return bool(self.regex.match(path))


def compile_path_glob(pattern: str, home: str) -> PathGlob:
    body, basename_only = path_glob_regex(pattern, home)
    return PathGlob(pattern, re.compile(body, 0 if basename_only else re.DOTALL), basename_only)


def path_glob_regex(pattern: str, home: str) -> tuple[str, bool]:
    """The regular expression of a path glob, and whether it matches a file name only."""
    if not isinstance(pattern, str) or not pattern:
        raise GlobError("a path pattern must be a non-empty string")
    expanded = pattern
    if expanded == "~" or expanded.startswith("~/"):
        expanded = home.rstrip("/") + expanded[1:]
    if not expanded.startswith("/") and "/" not in expanded.rstrip("/"):
        return _translate(expanded.rstrip("/"), path=True) + r"\Z", True
    if not expanded.startswith("/"):
        expanded = "**/" + expanded
    return _translate(expanded.rstrip("/") if expanded != "/" else "/", path=True) + r"\Z", False


def word_glob_regex(pattern: str) -> str:
    if not isinstance(pattern, str) or not pattern:
        raise GlobError("a pattern must be a non-empty string")
    return _translate(pattern, path=False) + r"\Z"
