"""Lines the analysis reads without the parser: one simple command of plain words, some of
them quoted ('...', or "..." without `$`, backquotes or backslashes), with no operators,
expansions, keywords or assignments (`*` and `?` make a word a glob; `[...]` and braces take
the parser). Bash only splits such a line at blanks and removes
the quotes; `tests/shell/test_simple_lines.py` holds the result equal to the parser's walk.
"""

from __future__ import annotations

import sys

from approvald.model.lazyre import lazy_compile
from approvald.shell.words import Word, new_word, other_tilde

MAX_PLAIN = 2048  # longer lines take the parser

# Possessive (`*+`, `++`): a word only ever ends at a blank, so nothing given back could make a
# match, and a line that is not plain (most that reach here) fails without backtracking.
# Python 3.10's `re` has no possessive repeats: there the same patterns backtrack.
_P = "+" if sys.version_info >= (3, 11) else ""
_SIMPLE_LINE = lazy_compile(
    rf"^ *[A-Za-z_./~][A-Za-z0-9_./~+-]*{_P}(?: +[A-Za-z0-9_./:@%+,=~*?-]+{_P})*{_P} *$")
# The same with quoted parts in the arguments: '...' and "..." without $, `, \ or controls.
# (One bare character per part: `(?:[...]+)+` would backtrack exponentially on a near miss.)
_PART = r"""(?:[A-Za-z0-9_./:@%+,=~*?-]|'[^'\x00-\x1f\x7f]*'|"[^"$`\\\x00-\x1f\x7f]*")"""
_QUOTED_LINE = lazy_compile(rf"^ *[A-Za-z_./~][A-Za-z0-9_./~+-]*{_P}(?: +{_PART}+{_P})*{_P} *$")
_QUOTED_WORD = lazy_compile(rf"{_PART}+")
_QUOTED_PARTS = lazy_compile(r"""'([^']*)'|"([^"]*)"|([^'"]+)""")
_ASSIGNMENT = lazy_compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
_KEYWORDS = frozenset({"if", "then", "else", "elif", "fi", "case", "esac", "for", "select",
                       "while", "until", "do", "done", "in", "function", "time", "coproc",
                       "export", "declare", "typeset", "local", "readonly", "unset"})


def plain_words(line: str, home: str | None) -> list[Word] | None:
    """The words of a plain line (`~` and `~/...` expanded when unquoted), or None when the
    line needs the parser."""
    if len(line) > MAX_PLAIN:
        return None
    quoted: list[str | None] | None = None  # None: no word had quotes
    if "'" in line or '"' in line:  # (no line with quotes is a _SIMPLE_LINE)
        if not _QUOTED_LINE.match(line):
            return None
        texts, quoted = _unquote(_QUOTED_WORD.findall(line))
    elif _SIMPLE_LINE.match(line):
        texts = line.split()
    else:
        return None
    if not texts or texts[0] in _KEYWORDS or ("=" in texts[0] and _ASSIGNMENT.match(texts[0])):
        return None
    if "*" not in line and "?" not in line and "~" not in line:  # the common case: all known
        return [new_word(Word, (text, True, False)) for text in texts]
    if quoted is None:
        quoted = [None] * len(texts)
    # An unquoted `*` or `?` makes a word a glob (bash expands it on disk), as the walk says.
    globs = [_globbed(t, q) for t, q in zip(texts, quoted, strict=True)] \
        if "*" in line or "?" in line else [False] * len(texts)
    if "~" not in line:  # the common case: no tilde to expand
        return [Word(t, True, g) for t, g in zip(texts, globs, strict=True)]
    if any(q is None and other_tilde(t) for t, q in zip(texts, quoted, strict=True)):
        return None  # ~+, ~user, ...: the walk marks such a word as known only at run time
    return [Word(home + t[1:] if home is not None and q is None
                 and (t == "~" or t.startswith("~/")) else t, True, g)
            for t, q, g in zip(texts, quoted, globs, strict=True)]


def _globbed(text: str, quoted: str | None) -> bool:
    """Whether a word has a `*` or `?` outside quotes (`quoted`: the word as written, when it
    had quotes)."""
    if quoted is None:
        return "*" in text or "?" in text
    return any("*" in bare or "?" in bare for _, _, bare in _QUOTED_PARTS.findall(quoted))


def _unquote(tokens: list[str]) -> tuple[list[str], list[str | None]]:
    """Words of a line `_QUOTED_LINE` accepts, quotes removed; ([], []) when a word with quotes
    also has a `~` outside them (tilde rules are left to the parser's walk). The second list
    holds each word as written when it had quotes, None when it had none."""
    texts: list[str] = []
    quoted: list[str | None] = []
    for token in tokens:
        if "'" not in token and '"' not in token:
            texts.append(token)
            quoted.append(None)
            continue
        text = []
        for single, double, bare in _QUOTED_PARTS.findall(token):
            if bare and "~" in bare:
                return [], []
            text.append(single or double or bare)
        texts.append("".join(text))
        quoted.append(token)
    return texts, quoted
