"""Option parsing shared by wrappers and launchers, and what a peel says a wrapper runs."""

from __future__ import annotations

from collections.abc import Callable

from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Frozen, Plain
from approvald.shell.words import Word

_ASSIGNMENT = lazy_compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


class Peel(Plain):
    rest: list[Word]  # the argv the wrapper would run
    assignments: list[str]
    chdir: Word | None
    nested: str  # non-empty: a derived command (depth+1, via=nested), e.g. "xargs"
    shell_text: Word | None  # the wrapper runs this text through a shell
    each: list[Word]  # several shell texts (hyperfine A B)
    label: str  # the name recorded in `wrappers` ("kubectl exec"); default: the program
    keep: bool  # report the wrapper itself too (docker run: its mounts matter)
    replace: str | None  # xargs -I: words containing this are filled in at run time
    appended: bool  # xargs: extra arguments are appended at run time
    reads: list[Word]
    writes: list[Word]
    stdin_through: bool  # the derived command reads the wrapper's own stdin (xargs -a FILE)
    # xargs: the names known input (`echo PATH | xargs cat`) may become, as files read
    input_names: Callable[[str], list[str]] | None

    def __init__(self, rest: list[Word], assignments: list[str] | None = None,
                 chdir: Word | None = None, nested: str = "", shell_text: Word | None = None,
                 each: list[Word] | None = None, label: str = "", keep: bool = False,
                 replace: str | None = None, appended: bool = False,
                 reads: list[Word] | None = None, writes: list[Word] | None = None,
                 stdin_through: bool = False,
                 input_names: Callable[[str], list[str]] | None = None) -> None:
        self.rest = rest
        self.assignments = assignments if assignments is not None else []
        self.chdir = chdir
        self.nested = nested
        self.shell_text = shell_text
        self.each = each if each is not None else []
        self.label = label
        self.keep = keep
        self.replace = replace
        self.appended = appended
        self.stdin_through = stdin_through
        self.input_names = input_names
        self.reads = reads if reads is not None else []
        self.writes = writes if writes is not None else []


# A launcher's answer for a subcommand of its own that starts no command, whatever words xargs
# appends to it (`npm view`, `deno fmt`); None says only that nothing is started as written.
NO_LAUNCH = Peel([])


class OptionSpec(Frozen):
    short_value: str  # -u USER / -uUSER
    long_value: frozenset[str]  # --user USER / --user=USER
    short_optional: str  # value only when glued: -i{} (xargs)
    long_optional: frozenset[str]  # value only with `=`: --replace=R

    def __init__(self, short_value: str = "", long_value: frozenset[str] = frozenset(),
                 short_optional: str = "", long_optional: frozenset[str] = frozenset()) -> None:
        self.__dict__.update(short_value=short_value, long_value=long_value,
                             short_optional=short_optional, long_optional=long_optional)


Option = tuple[str, Word | None]


def parse_options(words: list[Word], spec: OptionSpec) -> tuple[list[Option], int]:
    """getopt-style scan; returns the options and the index of the first operand.

    Unknown options are taken as flags. A non-literal word ends the scan (it is then the
    operand, so a program name from a variable is reported as dynamic).
    """
    options: list[Option] = []
    index = 0
    count = len(words)
    while index < count:
        word = words[index]
        text = word.text
        if not word.literal or len(text) < 2 or not text.startswith("-"):
            break
        index += 1
        if text == "--":
            break
        if text.startswith("--"):
            name, equals, value = text.partition("=")
            name = _long_name(name, spec)
            if name in spec.long_value:
                if equals:
                    options.append((name, Word(value)))
                elif index < count:
                    options.append((name, words[index]))
                    index += 1
                else:
                    options.append((name, None))
            else:
                options.append((name, Word(value) if equals else None))
            continue
        for position in range(1, len(text)):
            char = text[position]
            glued = text[position + 1:]
            if char in spec.short_value:
                if glued:
                    options.append(("-" + char, Word(glued)))
                elif index < count:
                    options.append(("-" + char, words[index]))
                    index += 1
                else:
                    options.append(("-" + char, None))
                break
            if char in spec.short_optional:
                options.append(("-" + char, Word(glued) if glued else None))
                break
            options.append(("-" + char, None))
    return options, index


def permuted(words: list[Word], spec: OptionSpec) -> tuple[list[Option], list[Word]]:
    """GNU getopt with permutation (su, flock): options anywhere before `--`; the operands."""
    options: list[Option] = []
    operands: list[Word] = []
    index = 0
    while index < len(words):
        found, used = parse_options(words[index:], spec)
        options.extend(found)
        index += used
        if index < len(words) and words[index - 1].text == "--" and used:
            operands.extend(words[index:])
            break
        if index < len(words):
            operands.append(words[index])
            index += 1
    return options, operands


def names(options: list[Option]) -> set[str]:
    return {name for name, _ in options}


def option_value(options: list[Option], *names: str) -> Word | None:
    found = None
    for name, value in options:
        if name in names:
            found = value
    return found


def take_assignments(words: list[Word], index: int) -> tuple[list[str], int]:
    assignments: list[str] = []
    while index < len(words) and _ASSIGNMENT.match(words[index].text):
        assignments.append(words[index].text)
        index += 1
    return assignments, index


Handler = Callable[[list[Word]], "Peel | None"]


def simple(spec: OptionSpec, stop_if: frozenset[str] = frozenset()) -> Handler:
    """A wrapper that takes options and then runs the rest as a command."""

    def handler(words: list[Word]) -> Peel | None:
        options, index = parse_options(words, spec)
        if stop_if & names(options) or index >= len(words):
            return None
        return Peel(words[index:])

    return handler


def _long_name(name: str, spec: OptionSpec) -> str:
    """The option getopt_long takes `name` for: GNU tools accept any unambiguous prefix
    (`timeout --sig KILL` is `--signal KILL`). A prefix of a value-taking option is read as
    that option (were it ambiguous, the tool would refuse to run)."""
    if name in spec.long_value or name in spec.long_optional or len(name) < 3:
        return name
    for known in (*sorted(spec.long_value), *sorted(spec.long_optional)):
        if known.startswith(name):
            return known
    return name


def join_words(words: list[Word]) -> Word:
    """Words joined by spaces (how eval and watch build the text they run)."""
    return Word(" ".join(word.text for word in words), all(word.literal for word in words))


