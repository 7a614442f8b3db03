"""`${...}` with a subscript or an operator: `${a[0]}`, `${x%.pub}`, `${x##*/}`, `${x/a/b}`,
`${x,,}`, `${x:1:3}`, `${!ref}`, `${X:-word}`.

`derived` is what the word reader makes of one (`words.WordReader`, for what `$NAME`,
`${NAME}` and a literal `${NAME:-word}` do not cover). `apply` gives what bash would make of a
known value, or None when that is not worked out here (an operand with quotes or expansions in
it, an extended pattern, a character class, a value too long to match patterns against): the
expansion is then a run-time value that names what the variable's value names.
"""

from __future__ import annotations

import re

from approvald.model.lazyre import lazy_compile
from approvald.shell.visitor import Quiet
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from tree_sitter import Node

    from approvald.shell.words import Visit, WordReader

MAX_OPERAND_VALUE = 1024  # longer values are not matched against patterns (quadratic scans)
_NOT_PLAIN = frozenset("'\"$`\\")


def derived(reader: WordReader, node: Node, visit: Visit) -> Word | None:
    """What `${...}` with a subscript or an operator becomes: worked out on a value the
    line knows (`${x%.pub}`, `${x/a/b}`, see `apply`; `${!ref}` is the variable `ref`
    names), else a run-time value made from the variable's value (`${a[0]}`, `${x%$y}`)
    and the word the expansion may stand for (`${X:-~/.ssh/id_rsa}`); None when the line
    knows neither (or it is a length, `${#x}`, or names, `${!a[@]}`)."""
    name: str | None = None
    prefix = operator = ""
    operands: list[str] = []  # the operator's, as written
    words: list[str] = []  # what a `:-` (...) operator's word becomes
    for child in node.children:
        kind = child.type
        if name is None:
            if kind in ("!", "#"):
                prefix = kind
            elif kind in ("variable_name", "subscript"):
                inner = child.named_children[0] if kind == "subscript" else child
                name = reader.source(inner) if inner.type == "variable_name" else ""
                operator = "[" if kind == "subscript" else ""
        elif not child.is_named:
            if kind == "}":
                break
            if operator:
                operands.append("")  # a separator (`/`, `:`): the next operand
            operator = operator or kind
        elif operator in _WORD_OPERATORS:  # (the walk visits the commands of it all)
            words.append(reader.word(child, Quiet(visit)).text)
        else:
            operands[-1:] = [(operands[-1] if operands else "") + reader.source(child)]
    if not name or prefix == "#" or (prefix == "!" and operator):
        return None
    found = reader.lookup(name, visit)
    if prefix == "!":  # `${!ref}`: the variable ref's value names
        if found is None or not found.literal or not _NAME.match(found.text):
            return None
        return reader.lookup(found.text, visit)
    if found is not None and found.literal and operator not in _WORD_OPERATORS:
        done = apply(found.text, operator, operands) if operator != "[" else None
        if done is not None:
            return Word(done, True, found.glob)
        if "/" in found.text and operator != "[":  # (`${x%$y}`: any name beside it too)
            return Word(f"{found.text} {found.text.rsplit('/', 1)[0]}/*", False)
    texts = [found.text] if found is not None and found.text else []
    texts.extend(word for word in words if word)
    return Word(" ".join(texts), False) if texts else None


# `${X:-word}` and the like: operators after which a word the expansion may become follows.
_WORD_OPERATORS = frozenset({":-", "-", ":=", "=", ":+", "+", ":?", "?"})
_NAME = lazy_compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def apply(value: str, operator: str, operands: list[str]) -> str | None:
    """`${NAME<operator><operands>}` where NAME holds `value`; None when not worked out."""
    if any(not _NOT_PLAIN.isdisjoint(operand) for operand in operands):
        return None
    if operator in _CASES:
        return _CASES[operator](value) if not any(operands) else None
    if operator == ":":
        return _substring(value, operands)
    if len(value) > MAX_OPERAND_VALUE:
        return None
    pattern = _regex(operands[0] if operands else "")
    if pattern is None:
        return None
    if operator in ("#", "##", "%", "%%"):
        return _remove(value, operator, pattern)
    if operator in ("/", "//", "/#", "/%"):
        replacement = operands[1] if len(operands) > 1 else ""
        anchored = "^" + pattern if operator == "/#" else pattern + r"\Z" \
            if operator == "/%" else pattern
        if not anchored and operator != "/#":
            return value  # bash replaces no empty match
        return re.sub(anchored, lambda _: replacement, value,
                      count=0 if operator == "//" else 1, flags=re.DOTALL)
    return None


_CASES = {
    "^": lambda v: v[:1].upper() + v[1:], "^^": str.upper,
    ",": lambda v: v[:1].lower() + v[1:], ",,": str.lower,
    "~": lambda v: v[:1].swapcase() + v[1:], "~~": str.swapcase,
}


def _substring(value: str, operands: list[str]) -> str | None:
    """`${x:OFFSET}`, `${x:OFFSET:LENGTH}` with integer operands."""
    try:
        numbers = [int(operand.strip()) for operand in operands[:2]]
    except ValueError:
        return None
    if not numbers:
        return None
    size = len(value)
    start = numbers[0] + size if numbers[0] < 0 else numbers[0]
    if start < 0 or start > size:
        return ""
    if len(numbers) == 1:
        return value[start:]
    end = start + numbers[1] if numbers[1] >= 0 else size + numbers[1]
    return value[start:end] if end >= start else None  # (bash: an error)


def _remove(value: str, operator: str, pattern: str) -> str:
    """`#` / `##`: the shortest / longest prefix matching `pattern` removed; `%` / `%%`: the
    shortest / longest suffix."""
    matcher = re.compile(pattern, re.DOTALL)
    size = len(value)
    if operator[0] == "#":
        cuts = range(size + 1) if operator == "#" else range(size, -1, -1)
        for cut in cuts:
            if matcher.fullmatch(value, 0, cut):
                return value[cut:]
        return value
    cuts = range(size, -1, -1) if operator == "%" else range(size + 1)
    for cut in cuts:
        if matcher.fullmatch(value, cut):
            return value[:cut]
    return value


def _regex(pattern: str) -> str | None:
    """A bash pattern (`*`, `?`, `[...]`) as a regular expression; None for what bash reads
    differently from a plain translation (extended patterns, character classes), for a
    range Python refuses (`[z-a]`), and for more than one `*`: a backtracking regex with
    several `.*` is matched once a cut point and takes exponential time (`${x#*a*a*a*b}`
    on a long x held the analysis for a minute)."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char in "@!+*?" and pattern[index + 1:index + 2] == "(":
            return None  # an extended pattern (extglob)
        if char == "*":
            if out and out[-1] == ".*":
                index += 1
                continue  # `**` is `*`
            if ".*" in out:
                return None
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            close = pattern.find("]", index + 2)
            if close == -1:
                out.append(re.escape(char))
            else:
                body = pattern[index + 1:close]
                if "[" in body:
                    return None  # [[:alpha:]] and the like
                negated = body[:1] in ("!", "^")
                body = body[1:] if negated else body
                out.append("[" + ("^" if negated else "") + body + "]")  # (no `\\`: apply)
                index = close
        else:
            out.append(re.escape(char))
        index += 1
    regex = "".join(out)
    try:
        re.compile(regex, re.DOTALL)  # (kept in re's cache for the match that follows)
    except re.error:
        return None
    return regex
