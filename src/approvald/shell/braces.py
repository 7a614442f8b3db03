"""Brace expansion (`{a,b}`, `{1..3}`) of a word's unquoted text, as bash does it.

The word reader (`words.py`) marks the braces and commas of unquoted text with private-use
characters (`MARK`), so quoted ones are never expanded, and unmarks what comes back (`UNMARK`).
"""

from __future__ import annotations

from approvald.model.lazyre import lazy_compile

MAX_BRACE_WORDS = 256  # more alternatives than this: the word is reported as dynamic
MAX_BRACE_GROUPS = 64

_LB, _COMMA, _RB = "\ue000", "\ue001", "\ue002"
MARK = str.maketrans({"{": _LB, ",": _COMMA, "}": _RB})
UNMARK = str.maketrans({_LB: "{", _COMMA: ",", _RB: "}"})
_SEQUENCE = lazy_compile(r"^(-?\d{1,6}|[A-Za-z])\.\.(-?\d{1,6}|[A-Za-z])(?:\.\.(-?\d{1,4}))?$")


def brace_expand(marked: str) -> list[str] | None:
    """Expand marked braces; None when the result would be too large."""
    if marked.count(_LB) > MAX_BRACE_GROUPS:
        return None
    results = _expand(marked, 0)
    return results


def _expand(text: str, level: int) -> list[str] | None:
    start = text.find(_LB)
    while start != -1:
        close, commas = _matching(text, start)
        if close == -1:
            return [text]
        inner = text[start + 1:close]
        alternatives: list[str] | None
        if commas:
            alternatives = []
            last = start + 1
            for comma in commas:
                alternatives.append(text[last:comma])
                last = comma + 1
            alternatives.append(text[last:close])
        else:
            alternatives = _sequence(inner)
        if alternatives is None:  # `{x}` without comma or range stays as written
            start = text.find(_LB, start + 1)
            continue
        if level > MAX_BRACE_GROUPS:
            return None
        prefix, suffix = text[:start], text[close + 1:]
        results: list[str] = []
        for alternative in alternatives:
            expanded = _expand(prefix + alternative + suffix, level + 1)
            if expanded is None:
                return None
            results.extend(expanded)
            if len(results) > MAX_BRACE_WORDS:
                return None
        return results
    return [text]


def _matching(text: str, start: int) -> tuple[int, list[int]]:
    depth = 0
    commas: list[int] = []
    for index in range(start, len(text)):
        char = text[index]
        if char == _LB:
            depth += 1
        elif char == _RB:
            depth -= 1
            if depth == 0:
                return index, commas
        elif char == _COMMA and depth == 1:
            commas.append(index)
    return -1, commas


def _sequence(inner: str) -> list[str] | None:
    match = _SEQUENCE.match(inner)
    if not match:
        return None
    first, last, step_text = match.groups()
    step = abs(int(step_text)) if step_text else 1
    step = step or 1
    if first.lstrip("-").isdigit() and last.lstrip("-").isdigit():
        a, b = int(first), int(last)
        if abs(b - a) // step > MAX_BRACE_WORDS:
            return None
        values = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [str(value) for value in values]
    if first.isalpha() and last.isalpha():
        a, b = ord(first), ord(last)
        values = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [chr(value) for value in values]
    return None
