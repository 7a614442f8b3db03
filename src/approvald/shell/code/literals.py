"""String literals, call arguments and small path expressions in interpreter code.

Everything here is a bounded, linear scan: the code comes from the agent and may be hostile.
A value is a `str` when it is known before the code runs, `None` when it is not (a variable,
an interpolated string, a call).
"""

from __future__ import annotations

import re

from approvald.model.lazyre import lazy_compile
from approvald.shell.words import decode_ansi_c

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

HOME = "~"  # home-directory references in code are rewritten to this before scanning

_PREFIX = lazy_compile(r"[rRbBuUfF]{1,2}(?=['\"])")
_PERL_QUOTE = lazy_compile(r"(qq|qw|qx|q)\s*([^\w\s])")
_RUBY_PERCENT = lazy_compile(r"%([qQwWxiI]?)([^\w\s])")
_CLOSERS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_INTERPOLATION = {
    "python": lazy_compile(r"\{"),
    "js": lazy_compile(r"\$\{"),
    "ruby": lazy_compile(r"#\{"),
    "perl": lazy_compile(r"[$@][\w{:]"),
    "php": lazy_compile(r"\$\w|\{\$"),
    "tcl": lazy_compile(r"[$\[]"),
}
_JOIN_CALL = lazy_compile(
    r"^(?:os\.path\.join|path\.join|path\.resolve|posixpath\.join|File\.join|file\.path|"
    r"Join-Path|join)\s*\(", re.IGNORECASE)
_WRAPPER_CALL = lazy_compile(
    r"^(?:pathlib\.Path|Path|PurePath|String|str|File\.expand_path|os\.path\.expanduser|"
    r"os\.path\.abspath|os\.path\.realpath|path\.expand|normalizePath|realpath|expanduser|"
    r"os\.fspath|glob\.glob|glob)\s*\(")


class Literal:
    """A string literal found in code: its value (None when interpolated) and raw text."""

    __slots__ = ("end", "raw", "value")

    def __init__(self, value: str | None, raw: str, end: int) -> None:
        self.value = value
        self.raw = raw
        self.end = end


def read_string(code: str, pos: int, language: str) -> Literal | None:
    """The string literal starting at `pos`, or None when there is none."""
    start = pos
    prefix = ""
    match = _PREFIX.match(code, pos) if language == "python" else None
    if match:
        prefix = match.group(0).lower()
        pos = match.end()
    if pos >= len(code):
        return None
    if language == "perl":
        perl = _PERL_QUOTE.match(code, pos)
        if perl:
            return _delimited(code, perl.end() - 1, perl.group(1) in ("qq", "qx"), language,
                              start)
    if language == "ruby" and code[pos] == "%":
        ruby = _RUBY_PERCENT.match(code, pos)
        if ruby:
            return _delimited(code, ruby.end() - 1, ruby.group(1) in ("", "Q", "W", "x", "I"),
                              language, start)
    if language == "lua" and code.startswith("[[", pos):
        end = code.find("]]", pos + 2)
        end = len(code) if end == -1 else end
        return Literal(code[pos + 2:end], code[start:end + 2], end + 2)
    quote = code[pos]
    if quote not in "'\"`":
        return None
    if quote == "`" and language not in ("js", "perl", "ruby", "php"):
        return None
    triple = language == "python" and code.startswith(quote * 3, pos)
    closing = quote * 3 if triple else quote
    index = _closing(code, pos + len(closing), closing)
    raw = "r" in prefix
    text = code[pos + len(closing):index]
    end = min(len(code), index + len(closing))
    interpolates = _interpolates(quote, prefix, language)
    pattern = _INTERPOLATION.get(language if language != "python" else "python")
    dynamic = interpolates and pattern is not None and pattern.search(text) is not None
    if quote == "`" and language in ("perl", "ruby", "php"):
        dynamic = dynamic or False
    value = None if dynamic else (text if raw or (quote == "'" and language in (
        "perl", "ruby", "php", "sh")) else _unescape(text))
    return Literal(value, code[start:end], end)


def _closing(code: str, index: int, closing: str) -> int:
    """Where `closing` ends a string body that starts at `index` (a backslash escapes the
    character after it), or the end of the code."""
    while True:
        end = code.find(closing, index)
        if end == -1:
            return len(code)
        escape = code.find("\\", index, end)
        if escape == -1:
            return end
        index = escape + 2  # past the escaped character: look again from there


def _interpolates(quote: str, prefix: str, language: str) -> bool:
    if language == "python":
        return "f" in prefix
    if language == "js":
        return quote == "`"
    if language in ("perl", "ruby", "php"):
        return quote in "\"`"
    return language == "tcl" and quote == '"'


def _delimited(code: str, open_at: int, interpolates: bool, language: str,
               start: int) -> Literal:
    opener = code[open_at]
    closer = _CLOSERS.get(opener, opener)
    depth = 1
    index = open_at + 1
    while index < len(code):
        char = code[index]
        if char == "\\":
            index += 2
            continue
        if char == closer:
            depth -= 1
            if depth == 0:
                break
        elif char == opener and closer != opener:
            depth += 1
        index += 1
    text = code[open_at + 1:index]
    pattern = _INTERPOLATION.get(language)
    dynamic = interpolates and pattern is not None and pattern.search(text) is not None
    return Literal(None if dynamic else text, code[start:index + 1], index + 1)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return decode_ansi_c(text)


def _opens_string(text: str, index: int, language: str) -> bool:
    """Could a string literal start here (`'`, `"`, a backtick, perl's q(...), ruby's %q())?"""
    char = text[index]
    if char in "'\"`":
        return True
    if index and (text[index - 1].isalnum() or text[index - 1] == "_"):
        return False
    if language == "python":
        return _PREFIX.match(text, index) is not None
    if language == "perl" and char == "q":
        return _PERL_QUOTE.match(text, index) is not None
    return language == "ruby" and char == "%" and _RUBY_PERCENT.match(text, index) is not None


def skip_space(code: str, pos: int) -> int:
    while pos < len(code) and code[pos] in " \t\r\n":
        pos += 1
    return pos


def _code_chars(text: str, start: int, end: int, language: str) -> Iterator[tuple[int, str]]:
    """Each index and character of `text[start:end]` outside string literals."""
    index = start
    while index < end:
        if _opens_string(text, index, language):
            literal = read_string(text, index, language)
            if literal is not None and literal.end > index:
                index = literal.end
                continue
        yield index, text[index]
        index += 1


def split_top(text: str, separators: str, language: str) -> list[str]:
    """Split at separators outside strings and brackets."""
    parts: list[str] = []
    depth = 0
    current = 0
    for index, char in _code_chars(text, 0, len(text), language):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and char in separators:
            parts.append(text[current:index])
            current = index + 1
    parts.append(text[current:])
    return parts


def _arguments(text: str, language: str) -> list[str]:
    return [a for a in split_top(text, ",", language) if a.strip()]


def call_arguments(code: str, pos: int, language: str, limit: int = 4096) -> tuple[list[str], int]:
    """Arguments of a call whose `(` is at `pos` (or, for perl / ruby / tcl, of a call written
    without parentheses: up to the end of the statement). Returns (argument texts, end)."""
    pos = skip_space(code, pos)
    if pos < len(code) and code[pos] == "(":
        depth = 0
        end = min(len(code), pos + limit)
        for index, char in _code_chars(code, pos, end, language):
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
                if depth == 0:
                    return _arguments(code[pos + 1:index], language), index + 1
        return _arguments(code[pos + 1:end], language), end
    stop = len(code)
    for terminator in (";", "\n", " or ", " and ", " if ", " unless ", "}"):
        found = code.find(terminator, pos, pos + limit)
        if found != -1:
            stop = min(stop, found)
    stop = min(stop, pos + limit)
    return _arguments(code[pos:stop], language), stop


def evaluate(text: str, language: str, depth: int = 0) -> str | None:
    """The value of a small string expression: a literal, `~`, a join or concatenation of
    those, or a path wrapper around one (`Path(...)`, `expanduser(...)`)."""
    text = text.strip()
    if not text or depth > 8:
        return None
    if text == HOME:
        return HOME
    while text.startswith("(") and text.endswith(")") and \
            len(split_top(text[1:-1], ",", language)) == 1:
        text = text[1:-1].strip()
    join = _JOIN_CALL.match(text)
    if join and text.endswith(")"):
        args = split_top(text[join.end():-1], ",", language)
        values = [evaluate(arg, language, depth + 1) for arg in args if arg.strip()]
        if values and all(v is not None for v in values):
            return "/".join(v.strip("/") if i else v.rstrip("/") or "/"
                            for i, v in enumerate(values) if v is not None)
        return None
    wrapper = _WRAPPER_CALL.match(text)
    if wrapper and text.endswith(")"):
        args = split_top(text[wrapper.end():-1], ",", language)
        return evaluate(args[0], language, depth + 1) if args and args[0].strip() else None
    for separators, joiner in (("+", ""), (".", "") if language in ("perl", "php") else ("", ""),
                               ("/", "/") if language == "python" else ("", "")):
        if not separators:
            continue
        parts = split_top(text, separators, language)
        if len(parts) > 1:
            values = [evaluate(part, language, depth + 1) for part in parts]
            if all(v is not None for v in values):
                if joiner:
                    return "/".join(v.strip("/") if i else v.rstrip("/")
                                    for i, v in enumerate(values) if v is not None)
                return "".join(v for v in values if v is not None)
            return None
    if text[0] in "'\"`" or _PREFIX.match(text) or text[0] in "q%[":
        literal = read_string(text, 0, language)
        if literal is not None and literal.end == len(text):
            return literal.value
    return None


def string_list(text: str, language: str) -> list[str | None] | None:
    """`["git", "push"]`, `qw(git push)`, `%w[git push]`, `"git push".split()`: the words."""
    text = text.strip()
    if (text.startswith("[") and text.endswith("]")) or \
            (text.startswith("(") and text.endswith(")")) or \
            (text.startswith("{") and text.endswith("}") and language == "tcl"):
        items = split_top(text[1:-1], ",", language)
        return [evaluate(item, language) for item in items if item.strip()]
    if language == "r" and text.startswith("c(") and text.endswith(")"):
        return [evaluate(item, language) for item in split_top(text[2:-1], ",", language)
                if item.strip()]
    if language in ("perl", "ruby") and re.match(r"^(?:qw\s*\S|%[wW]\S)", text):
        literal = read_string(text, 0, language)
        if literal is not None and literal.value is not None:
            return list(literal.value.split())
    split = re.match(r"^(.*)\.split\(\s*\)$", text, re.DOTALL)
    if split:
        value = evaluate(split.group(1), language)
        return list(value.split()) if value is not None else None
    shlex_split = re.match(r"^shlex\.split\((.*)\)$", text, re.DOTALL)
    if shlex_split:
        value = evaluate(shlex_split.group(1), language)
        return list(value.split()) if value is not None else None
    return None
