"""Positional parameters (`$0`, `$1`, `"$@"`, `$*`, `$#`) where the line binds them.

A shell binds them when it starts (`sh -c TEXT ARG0 ARGS`, `bash FILE ARGS`, `sh -s ARGS`), a
function call binds them for its body (`f() { cat "$1"; }; f FILE`), `set -- ARGS` rebinds them
and `shift` drops the first. What the analysis does not know (the agent's own shell's
parameters, what xargs appends at run time) stays a value only known at run time, as an unset
variable from the environment is.
"""

from __future__ import annotations

from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Frozen
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer


class Args(Frozen):
    """The positional parameters of one shell or function call."""

    zero: Word | None  # $0; None: only known at run time
    words: tuple[Word, ...]  # $1, $2, ...: a word only known at run time is one argument
    more: bool  # arguments only known at run time may follow (what xargs appends)

    def __init__(self, zero: Word | None, words: tuple[Word, ...], more: bool = False) -> None:
        self.__dict__.update(zero=zero, words=words, more=more)

    def nth(self, number: int) -> Word | None:
        """`$N`: its value, "" when it is surely unset, None when only known at run time. Past
        a run-time value (which may be no word or several) `$N` may be any word from there on:
        a run-time value naming them all."""
        if number == 0:
            return self.zero
        words = self.words
        dynamic = next((i for i, word in enumerate(words[:number]) if not word.literal), None)
        if dynamic is not None:
            if dynamic == len(words) - 1:
                return words[dynamic]
            return Word(" ".join([word.text for word in words[dynamic:]]), False)
        if number <= len(words):
            return words[number - 1]
        return None if self.more else Word("")

    def count(self) -> Word | None:
        """`$#`."""
        if self.more or any(not word.literal for word in self.words):
            return None
        return Word(str(len(self.words)))

    def shifted(self, number: int) -> Args:
        """After `shift N` (bash leaves them as they are when there are fewer than N)."""
        if number <= len(self.words):
            return Args(self.zero, self.words[number:], self.more)
        return Args(self.zero, (), True) if self.more else self


def lookup(args: Args | None, name: str) -> Word | None:
    """The value of `$NAME` for a positional NAME (digits, or `#`), when known."""
    if args is None:
        return None
    if name == "#":
        return args.count()
    return args.nth(int(name))


def all_words(args: Args, source: str) -> list[Word] | None:
    """The words `"$@"` becomes, or a slice of them (`${@:2}`, `${@:0:2}`, `${*: -1}`): None
    when it is not one of those. (`source`, the expansion as written, stands for what xargs may
    append at run time.)"""
    words = list(args.words)
    exact = not args.more and all(word.literal for word in words)
    if args.more:
        words.append(Word(source, False))
    if ":" not in source:  # "$@", "${@}", "$*", "${*}"
        return words
    found = _SLICE.match(source)
    if found is None:
        return None
    if not exact:  # positions only known at run time: all of them, a superset
        return words if args.zero is None else [args.zero, *words]
    offset = int(found.group(1))
    every = [args.zero or Word(source, False), *words]  # `${@:0}` starts with $0
    start = offset if offset >= 0 else max(len(every) + offset, 0)
    if found.group(2) is None:
        return every[start:]
    length = int(found.group(2))
    return every[start:start + length] if length >= 0 else None


_SLICE = lazy_compile(r"\$\{[@*]:[ \t]*(-?[0-9]{1,5})[ \t]*(?::[ \t]*(-?[0-9]{1,5})[ \t]*)?\}\Z")


def of_shell(name: str, operands: list[Word], command_mode: bool, from_stdin: bool,
             site: Site) -> Args:
    """What `sh -c TEXT [ARG0 ARGS...]`, `sh FILE [ARGS...]` or `sh -s [ARGS...]` binds
    (`operands`: the words after the options)."""
    more = site.appended  # `xargs sh -c TEXT`: xargs appends (from ARG0 on)
    filled = [site.filled(word) for word in operands]
    if command_mode:
        filled = filled[1:]  # the text
    elif not from_stdin and filled:  # the script file is $0
        return Args(filled[0], tuple(filled[1:]), more)
    else:  # the script comes from standard input: every operand is an argument
        return Args(Word(name), tuple(filled), more)
    if not filled:
        return Args(None if more else Word(name), (), more)
    return Args(filled[0], tuple(filled[1:]), more)


def set_builtin(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
                ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """`set -- ARGS`, `set -e ARGS`, `set - ARGS`: the words after the options rebind them."""
    if not _same_shell(site):
        return None
    rest = words[1:]
    index = 0
    ended = False  # `--` or `-`: what follows are arguments, even none (`set --`)
    while index < len(rest):
        word = rest[index]
        if not word.literal:
            scope.args = Args(scope.args.zero if scope.args else None, (), True)
            return None
        option = word.text
        if option in ("--", "-"):
            index += 1
            ended = option == "--" or index < len(rest)
            break
        if len(option) < 2 or option[0] not in "-+":
            break
        index += 1 + (option[1:].count("o") and 1)  # -o NAME / +o NAME takes a value
    if ended or index < len(rest):
        zero = scope.args.zero if scope.args is not None else None
        scope.args = Args(zero, tuple(rest[index:]))
    return None


def shift_builtin(an: Analyzer, name: str, words: list[Word], assignments: list[str],
                  scope: Scope, ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """`shift [N]`."""
    if scope.args is None or not _same_shell(site):
        return None
    operand = words[1] if len(words) > 1 else Word("1")
    if operand.literal and operand.text.isdigit() and len(operand.text) < 6:
        scope.args = scope.args.shifted(int(operand.text))
    else:
        scope.args = Args(scope.args.zero, (), True)
    return None


def _same_shell(site: Site) -> bool:
    """Whether a builtin runs in the walked shell itself (not `xargs set`, `sudo shift`)."""
    return not set(site.peeled) - {"builtin", "command"} and site.replace is None \
        and not site.appended
