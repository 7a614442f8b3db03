"""Turning tree-sitter word nodes into words as bash sees them after quote removal.

A word is *literal* when its value is known before the line runs. Anything that comes from a
variable, a command or process substitution, or arithmetic is *dynamic*: its text is then a
best-effort rendering (literal parts plus the source text of the dynamic parts).
"""

from __future__ import annotations

import re
from collections import namedtuple

from approvald.model.lazyre import lazy_compile

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:  # only in annotations: tree-sitter loads when a line needs the parser
    from typing import NamedTuple, Protocol

    from tree_sitter import Node

# Segment flags: ACTIVE = unquoted literal text (brace, tilde and glob expansion apply);
# DYNAMIC = not known statically; SPLIT = the known value of an unquoted expansion (`$X`,
# `$(echo a b)`): split into words at blanks, globbing applies, braces and tilde do not;
# SEPARATE = quoted `"$@"`: one word per argument (cut at _FIELD), the text otherwise quoted;
# PATTERN = the value of a variable that holds one of the names a pattern matches (`for f in
# ~/.ssh/*`): quoted or not, the word names what the pattern can match (a glob), unsplit.
QUOTED = 0
ACTIVE = 1
DYNAMIC = 2
SPLIT = 4
SEPARATE = 8
PATTERN = 16
_GLOBBED = ACTIVE | SPLIT | PATTERN  # the segments pathname expansion applies to

Segment = tuple[str, int]
MAX_VALUE = 8192  # a known value longer than this is treated as unknown (keeps growth bounded)


if TYPE_CHECKING:  # a protocol for the type checker only
    class Visit(Protocol):
        """What the word reader needs from the walk.

        Calling it walks the commands inside a substitution and returns what the substitution
        prints when that is known (`$(cat <<'EOF' ... EOF)`), else None. `lookup` gives a shell
        variable's value when the line set it to something known (`F=x; cat "$F"`).
        """

        def __call__(self, node: Node, via: str) -> Word | None: ...

        def lookup(self, name: str) -> Word | None: ...

        def arguments(self, source: str) -> list[Word] | None: ...

        def arithmetic(self, text: str) -> None: ...


_GLOB_CHARS = frozenset("*?[")
_UNQUOTED_ESCAPE = lazy_compile(r"\\(.)|[^\\]+|\\$", re.DOTALL)
_DQ_ESCAPE = lazy_compile(r'\\([$`"\\\n])')
_HEREDOC_ESCAPE = lazy_compile(r"\\([$`\\\n])")
_LEADING_TABS = lazy_compile(r"^\t+", re.MULTILINE)
_HEREDOC_HOME = lazy_compile(r"(?<!\\)\$(?:\{HOME\}|HOME(?![A-Za-z0-9_]))")
_HEREDOC_EXPANSION = lazy_compile(r"(?<!\\)[$`]")
_ANSI_ESCAPE = lazy_compile(
    r"\\(?:([abeEfnrtv\\'\"?])|([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})"
    r"|U([0-9A-Fa-f]{1,8})|c(.))",
    re.DOTALL,
)
_ANSI_SIMPLE = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}
_FIELD = "\ue003"  # where word splitting cuts an unquoted value
_NO_ARGUMENTS = "\ue004"  # `"$@"` with no arguments: no word, unless the word has more
# (`$12` is `${1}2`: one digit without braces)
_PLAIN_EXPANSION = lazy_compile(
    r"^\$(?:([A-Za-z_][A-Za-z0-9_]*|[0-9#])([0-9]*)|\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+|#)\})$")
_DEFAULT_EXPANSION = lazy_compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)(:?)([-=])(.*)\}$",
                                  re.DOTALL)
_ALL_ARGUMENTS = frozenset({"$@", "${@}", "$*", "${*}"})
_BLANKS = lazy_compile(r"[ \t\n]+")


if TYPE_CHECKING:
    class Word(NamedTuple):
        text: str
        literal: bool = True
        glob: bool = False  # contains unquoted *, ? or [ (pathname expansion may change it)
else:  # the same named tuple, without importing typing
    Word = namedtuple("Word", ("text", "literal", "glob"), defaults=(True, False))

# `new_word(Word, (text, literal, glob))` is `Word(text, literal, glob)` without the Python-level
# `__new__` of a named tuple: for the few places that make a word for every word of every line.
new_word = tuple.__new__


def decode_ansi_c(body: str) -> str:
    """The value of $'...' (body without the `$'` and `'`)."""
    if "\\" not in body:
        return body

    def one(match: re.Match[str]) -> str:
        simple, octal, hex2, u4, u8, ctrl = match.groups()
        if simple is not None:
            return _ANSI_SIMPLE[simple]
        if ctrl is not None:
            return chr(ord(ctrl.upper()) ^ 0x40) if ctrl != "?" else "\x7f"
        number = int(octal, 8) if octal else int(hex2 or u4 or u8, 16)
        try:
            return chr(number)
        except (ValueError, OverflowError):
            return "\ufffd"

    return _ANSI_ESCAPE.sub(one, body)


def unescape_double_quoted(text: str) -> str:
    if "\\" not in text:
        return text
    return _DQ_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text)


def heredoc_text(raw: str, quoted: bool, strip_tabs: bool, home: str | None) -> Word:
    """The text a here-document feeds its command (raw: the body as written)."""
    if strip_tabs:
        raw = _LEADING_TABS.sub("", raw)
    if quoted:
        return Word(raw)
    if home is not None:
        raw = _HEREDOC_HOME.sub(lambda _: home, raw)
    dynamic = _HEREDOC_EXPANSION.search(raw) is not None
    return Word(unescape_heredoc(raw), not dynamic)


def unescape_heredoc(text: str) -> str:
    if "\\" not in text:
        return text
    return _HEREDOC_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text)


def _unquoted_segments(raw: str, out: list[Segment]) -> None:
    if "\\" not in raw:
        out.append((raw, ACTIVE))
        return
    for match in _UNQUOTED_ESCAPE.finditer(raw):
        escaped = match.group(1)
        if escaped is not None:
            if escaped != "\n":  # backslash-newline is a line continuation
                out.append((escaped, QUOTED))
        elif match.group(0) == "\\":
            out.append(("\\", QUOTED))
        else:
            out.append((match.group(0), ACTIVE))


class WordReader:
    """Reads word nodes of one source text; substitutions are handed to `visit`."""

    def __init__(self, src: bytes, home: str | None) -> None:
        self.src = src
        self.home = home

    def source(self, node: Node) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    # -- public ---------------------------------------------------------------------------
    def words(self, node: Node, visit: Visit, prefix: str = "") -> list[Word]:
        """All words one argument node becomes (brace expansion can make several)."""
        if not prefix and node.type == "word" and node.child_count == 0:
            raw = self.source(node)
            if "\\" not in raw and "{" not in raw and raw[:1] != "~" and raw:
                # a bare word with nothing to unescape, expand or brace: what `finish` makes
                # of its one active segment, without the segments
                return [new_word(Word, (raw, True, not _GLOB_CHARS.isdisjoint(raw)))]
        segments: list[Segment] = [(prefix, ACTIVE)] if prefix else []
        self._segments(node, segments, visit)
        return finish(_other_tilde(segments, visit), self.home, braces=True)

    def name_words(self, node: Node, visit: Visit, prefix: str = "") -> list[Word]:
        """`words` of a command_name node: its one word, when it is one, read as that word
        (what reading the name gives, without the segments of the name around it)."""
        if not prefix and node.child_count == 1:
            child = node.children[0]
            if child.type == "word":
                return self.words(child, visit)
        return self.words(node, visit, prefix)

    def word(self, node: Node, visit: Visit) -> Word:
        """One word, no brace expansion or splitting (assignment values, redirect targets)."""
        segments: list[Segment] = []
        self._segments(node, segments, visit)
        return finish(_other_tilde(segments, visit), self.home, braces=False, split=False)[0]

    # -- segments -------------------------------------------------------------------------
    def _segments(self, node: Node, out: list[Segment], visit: Visit,
                  quoted: bool = False) -> None:
        kind = node.type
        if kind in ("word", "number", "extglob_pattern") and node.child_count == 0:
            _unquoted_segments(self.source(node), out)
        elif kind == "raw_string":
            out.append((self.source(node)[1:-1], QUOTED))
        elif kind == "ansi_c_string":
            out.append((decode_ansi_c(self.source(node)[2:-1]), QUOTED))
        elif kind == "string":
            self._double_quoted(node, out, visit)
        elif kind == "translated_string":
            for child in node.children:
                if child.type == "string":
                    self._double_quoted(child, out, visit)
        elif kind in ("concatenation", "brace_expression", "word", "number", "command_name"):
            for child in node.children:
                if child.is_named:
                    self._segments(child, out, visit)
                else:
                    out.append((self.source(child), ACTIVE))
        elif kind == "simple_expansion" or kind == "expansion":
            self._expansion(node, out, visit, quoted)
        elif kind == "command_substitution":
            printed = visit(node, "")
            if printed is not None and printed.literal and len(printed.text) <= MAX_VALUE:
                out.append((printed.text.rstrip("\n"), QUOTED if quoted else SPLIT))
            else:
                out.append((self.source(node), DYNAMIC))
        elif kind == "process_substitution":
            out.append((self.source(node), DYNAMIC))
            visit(node, "")
        else:  # arithmetic and anything unforeseen: not literal; still find commands inside
            out.append((self.source(node), DYNAMIC))
            visit(node, "")

    def _expansion(self, node: Node, out: list[Segment], visit: Visit, quoted: bool) -> None:
        text = self.source(node)
        if node.type == "expansion" and ("[" in text or ":" in text or "!" in text):
            visit.arithmetic(text)  # `${a[x]}`, `${s:x:1}`: arithmetic; `${!r}`: a name
        value = self._value(text, visit)
        if value is None and node.type == "expansion":
            from approvald.shell.paramops import derived  # (few lines have such expansions)

            value = derived(self, node, visit)
        if value is not None and value.literal:
            out.append((value.text, PATTERN if value.glob else QUOTED if quoted else SPLIT))
            return
        if value is not None and text[1 + (text[1:2] == "{"):][:1].isdigit():
            # a positional parameter bound to a run-time value keeps what names it (`sh -c
            # 'cat "$1"' _ {}` under `find ~ -exec`: the `$(find ~)` that `{}` stands for)
            out.append((value.text, DYNAMIC))
            return
        if text in _ALL_ARGUMENTS or text.startswith(("${@:", "${*:")):
            words = visit.arguments(text)
            if words is not None:
                out.append(_all_arguments(words, text, quoted))
                return
        if value is not None and value.text:
            # a variable holding a run-time value is that value (`F=$(find ~); cat $F` reads
            # what `cat $(find ~)` does, `a=($(find ~)); cat ${a[0]}` too)
            text = value.text
        out.append((text, DYNAMIC))
        if node.type == "expansion":
            visit(node, "")  # ${X:-$(cmd)} runs cmd

    def lookup(self, name: str, visit: Visit) -> Word | None:
        """A variable's value (`$HOME` is the home directory unless the line sets it)."""
        found = visit.lookup(name)
        if found is None and name == "HOME" and self.home is not None:
            return Word(self.home)
        return found

    def _value(self, text: str, visit: Visit) -> Word | None:
        """`$NAME`, `${NAME}`, `${NAME:-word}`: the value when the line makes it known."""
        plain = _PLAIN_EXPANSION.match(text)
        if plain:
            name = plain.group(1) or plain.group(3)
            found = self.lookup(name, visit)
            if found is not None and plain.group(2):  # `$12`: `${1}` then `2`
                return Word(found.text + plain.group(2), found.literal)
            return found
        default = _DEFAULT_EXPANSION.match(text)
        if default is None or "$" in default.group(4) or "`" in default.group(4):
            return None
        found = visit.lookup(default.group(1))
        if found is None or not found.literal:
            return None
        if found.text or not default.group(2):  # set (and, with `:`, not empty)
            return found
        return Word(default.group(4))

    def _double_quoted(self, node: Node, out: list[Segment], visit: Visit) -> None:
        pos = node.start_byte + 1
        end = node.end_byte - 1
        for child in node.children:
            if not child.is_named:
                continue
            if child.start_byte > pos:
                gap = self.src[pos:child.start_byte].decode("utf-8", "replace")
                out.append((unescape_double_quoted(gap), QUOTED))
            if child.type == "string_content":
                out.append((unescape_double_quoted(self.source(child)), QUOTED))
            else:
                self._segments(child, out, visit, quoted=True)
            pos = max(pos, child.end_byte)
        if end > pos:
            gap = self.src[pos:end].decode("utf-8", "replace")
            out.append((unescape_double_quoted(gap), QUOTED))


def _all_arguments(words: list[Word], source: str, quoted: bool) -> Segment:
    """The segment `$@` or `$*` (`source`) makes of the positional parameters `words`."""
    if not all(word.literal for word in words):  # one run-time word naming them all
        return " ".join([word.text for word in words]), DYNAMIC
    if quoted and "@" in source:
        return _FIELD.join([word.text for word in words]) or _NO_ARGUMENTS, SEPARATE
    return " ".join([word.text for word in words]), QUOTED if quoted else SPLIT


def finish(segments: list[Segment], home: str | None, braces: bool,
           split: bool = True) -> list[Word]:
    """Join segments into words: brace and tilde expansion on the unquoted parts, then word
    splitting of unquoted known values (`split`; an unquoted empty value alone is no word)."""
    if not segments:
        return [Word("")]
    literal = True
    glob = False
    has_brace = False
    splits = False
    separate = False
    for text, flag in segments:
        if flag & DYNAMIC:
            literal = False
        elif flag & _GLOBBED:
            if not glob and not _GLOB_CHARS.isdisjoint(text):
                glob = True
            if flag & ACTIVE and "{" in text:
                has_brace = True
            if flag & SPLIT:
                splits = True
        elif flag & SEPARATE:
            separate = True
    first, first_flag = segments[0]
    tilde = first == "~" or first.startswith("~/")
    if home is not None and first_flag == ACTIVE and tilde:
        segments = [(home + first[1:], QUOTED), *segments[1:]]
    if splits and split and literal:
        only_values = all(flag & SPLIT for _, flag in segments)
        segments = [(_BLANKS.sub(_FIELD, text), flag) if flag & SPLIT else (text, flag)
                    for text, flag in segments]
    else:
        splits = only_values = False
    if not (braces and has_brace):
        texts = ["".join(text for text, _ in segments)]
    else:
        from approvald.shell.braces import MARK, UNMARK, brace_expand  # (lines with braces)

        marked = "".join(text.translate(MARK) if flag == ACTIVE else text
                         for text, flag in segments)
        expanded = brace_expand(marked)
        if expanded is None:  # too many alternatives to list: not knowable in practice
            return [Word(marked.translate(UNMARK).replace(_FIELD, " "), False, glob)]
        texts = [text.translate(UNMARK) for text in expanded]
    if separate:
        return _separated(texts, literal, glob, split, splits)
    if not splits:
        return [Word(text, literal, glob) for text in texts]
    words: list[Word] = []
    for text in texts:
        fields = text.split(_FIELD)
        while fields and not fields[0]:
            fields.pop(0)
        while fields and not fields[-1]:
            fields.pop()
        if not fields and not only_values:
            fields = [""]
        words += [Word(field, True, glob and not _GLOB_CHARS.isdisjoint(field))
                  for field in fields]
    return words


def _separated(texts: list[str], literal: bool, glob: bool, split: bool,
               splits: bool) -> list[Word]:
    """`finish` for words with `"$@"` in them: a word per argument (the first and last joined
    to what is around them), none for `"$@"` alone without arguments; one word, the arguments
    joined by blanks, where bash does not split (`X="$@"`)."""
    if not split:
        return [Word(text.replace(_FIELD, " ").replace(_NO_ARGUMENTS, ""), literal, glob)
                for text in texts]
    words: list[Word] = []
    for text in texts:
        fields = text.split(_FIELD)
        if splits:  # unquoted values around it: blanks at the edges make no word
            while fields and not fields[0]:
                fields.pop(0)
            while fields and not fields[-1]:
                fields.pop()
        for field in fields:
            if _NO_ARGUMENTS in field:
                field = field.replace(_NO_ARGUMENTS, "")
                if not field:
                    continue
            words.append(Word(field, literal, glob and not _GLOB_CHARS.isdisjoint(field)))
    return words


def other_tilde(text: str) -> bool:
    """Whether unquoted `text` starts with a tilde-prefix other than `~` alone (`~+`, `~-`,
    `~N`, `~user`), which bash expands to a directory the line does not spell."""
    return text[:1] == "~" and len(text) > 1 and text[1] != "/"


def _other_tilde(segments: list[Segment], visit: Visit) -> list[Segment]:
    """Bash's other tilde-prefixes expanded as bash would: `~+` is $PWD, `~-` $OLDPWD, `~user`
    that user's home (left as written when there is no such user); what the line cannot tell
    (`~N` and `~+N` from the directory stack, an unknown $OLDPWD, a prefix with quotes in it)
    is a value known only at run time."""
    if not segments or segments[0][1] != ACTIVE or not other_tilde(segments[0][0]):
        return segments
    first = segments[0][0]
    name, slash, rest = first[1:].partition("/")
    value: str | None = None  # None: known only at run time
    if slash or len(segments) == 1:  # else the prefix runs into a quoted or expanded part
        if name in ("+", "-"):
            found = visit.lookup("PWD" if name == "+" else "OLDPWD")
            value = found.text if found is not None and found.literal else None
        elif _LOGIN_NAME.match(name):
            value = _user_home(name)
            if value is None:
                return segments  # no such user: bash leaves the word as it is
    if value is None:
        return [(first, DYNAMIC), *segments[1:]]
    return [(value + slash + rest, QUOTED), *segments[1:]]


_LOGIN_NAME = lazy_compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")


def _user_home(name: str) -> str | None:
    try:
        import pwd
    except ImportError:  # Windows: no such lookup, so no such user as bash would see it
        return None
    try:
        return pwd.getpwnam(name).pw_dir or None
    except KeyError:
        return None
