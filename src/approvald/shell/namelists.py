"""Programs that take file names from their input or from a file rather than as arguments.

When what they read is a finder's names (see `pipes.Printers.listing`), they are handed those
names as the run-time value `$(find ~)`, as xargs hands them to its command: `find ~ | while
read f; do cat "$f"; done` reads what `cat $(find ~)` reads, `find ~ | tar -cf - -T -`
archives what `tar -cf - $(find ~)` archives, and `find ~ -print0 | sort --files0-from=-`
prints what `sort $(find ~)` prints. `read`, `mapfile` and `readarray` set variables to what
they read (a descriptor's input too: `read -u 3`), known text as it is. Each of these is a
`specials` handler.
"""

from __future__ import annotations

from approvald.shell import scripts
from approvald.shell.state import set_var
from approvald.shell.words import MAX_VALUE, Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer

_READ_VALUES = frozenset("adinNptu")  # bash's `read` options that take a value
_MAPFILE_VALUES = frozenset("dnOsuCc")  # mapfile's / readarray's
_STDIN = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def read(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
         ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """`read [-r] [-d D] [-u FD] NAME...` sets each NAME (or REPLY; `-a ARRAY`) to what a line
    of its input can be: a finder's names as their run-time value, one known line as it is,
    else a run-time value (naming what known text it read)."""
    options, operands = _options(words, _READ_VALUES)
    names = [word.text for word in operands if word.literal]
    array = options.get("a")
    if array is not None:
        names.append(array.text)
    fed = _input(scope, options.get("u"), stdin)
    value = _line_value(an, fed, single=array is None and len(names) <= 1)
    for variable in names or ["REPLY"]:
        set_var(scope, variable, value if value is not None else Word(f"${variable}", False))
    return None


def mapfile(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
            ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """`mapfile` / `readarray [-t] [-u FD] [-C CALLBACK] [ARRAY]`: ARRAY (or MAPFILE) holds
    every line of its input, as `read -a` does one; CALLBACK runs with each line."""
    from approvald.shell.commands import dynamic_text, emit, walk_nested

    options, operands = _options(words, _MAPFILE_VALUES)
    array = operands[0].text if operands and operands[0].literal else "MAPFILE"
    fed = _input(scope, options.get("u"), stdin)
    value = _line_value(an, fed, single=False)
    set_var(scope, array, value if value is not None else Word(f"${array}", False))
    callback = options.get("C")
    if callback is None:
        return None
    index = emit(an, words, assignments, ctx, site, dynamic=dynamic_text(an, callback, name))
    # bash runs `CALLBACK INDEX LINE` for each line read
    walk_nested(an, callback.text + ' 0 "${' + array + '[0]}"', scope, ctx, f"{name} -C", site)
    return index


def _options(words: list[Word], valued: frozenset[str]) -> tuple[dict[str, Word], list[Word]]:
    """The options of `read` or `mapfile` (letter: its value) and the operands after them."""
    options: dict[str, Word] = {}
    position = 1
    while position < len(words) and words[position].text.startswith("-"):
        option = words[position]
        position += 1
        if option.text == "--":
            break
        for at, letter in enumerate(option.text[1:], 2):
            if letter in valued:
                if at < len(option.text):
                    options[letter] = Word(option.text[at:], option.literal)
                elif position < len(words):
                    options[letter] = words[position]
                    position += 1
                break
            options[letter] = Word("")
    return options, words[position:]


def _input(scope: Scope, descriptor: Word | None, stdin: Word | None) -> Word | None:
    """What `read -u FD` (or, without it, the command's input) reads: a descriptor the line
    opened (`3< <(find ~)`, `exec 3<`, a coprocess's output), see `Scope.descriptor`."""
    if descriptor is None or (descriptor.literal and descriptor.text == "0"):
        return stdin
    return scope.descriptor(descriptor)


def _line_value(an: Analyzer, fed: Word | None, single: bool) -> Word | None:
    """What a variable holds after reading `fed`: a finder's names as their run-time value,
    one known line as itself (`single`: into one variable), other known or partly known text as
    a run-time value naming it; None when nothing is known of it."""
    listed = an.printers.listing(an.commands, fed)
    if listed is not None:
        return Word(listed, False)
    if fed is None or not fed.text:
        return None
    text = fed.text[:MAX_VALUE]
    line = text[:-1] if text.endswith("\n") else text
    if fed.literal and single and "\n" not in line and "\\" not in line:
        return Word(line.strip(" \t"))
    return Word(" ".join(text.split()), False)


def name_list(an: Analyzer, name: str, words: list[Word], assignments: list[str],
              scope: Scope, ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """tar / bsdtar `-T FILE` (`--files-from`), cpio `-o` / `-p`, zip `-@`, pax `-w`, rsync /
    rclone / restic `--files-from`, borg `--paths-from-stdin`, GNU sort / wc / du
    `--files0-from`: the names they read are handed to them as arguments (rsync's and
    rclone's before their destination)."""
    source = _names_source(name, words[1:])
    if source is None:
        return None
    fed = stdin if source.text in _STDIN else scripts.written(an, source, site.cwd)
    listed = an.printers.listing(an.commands, fed)
    if listed is None:
        return None
    from approvald.shell.commands import emit  # (commands imports this module's users)

    names = Word(listed, False)
    at = len(words) - 1 if name in _BEFORE_DESTINATION and len(words) > 2 else len(words)
    return emit(an, [*words[:at], names, *words[at:]], assignments, ctx, site, scope=scope,
                program=name)


def _names_source(name: str, args: list[Word]) -> Word | None:
    """The file `name` reads names from (`-` for its input), as its options say; None when
    it reads none."""
    for position, word in enumerate(args):
        text = word.text
        if not text.startswith("-"):
            if name == "tar" and position == 0 and "T" in text:  # `tar cfT out.tar list`
                return Word("-", False)  # its list is some later word: read as the input
            continue
        if text == "--":
            return None
        if text.startswith("--"):
            key, equals, value = text.partition("=")
            for option, shortest in _LONG[name]:  # (GNU takes a long option's prefix)
                if len(key) >= shortest and option.startswith(key):
                    if option in _FROM_INPUT:
                        return Word("-")
                    return Word(value, word.literal) if equals else _word_after(args, position)
            continue
        short = _SHORT.get(name)
        found = _short_value(text[1:], *short) if short is not None else None
        if found is not None:
            if name in _SHORT_FROM_INPUT:
                return Word("-")
            return Word(found, word.literal) if found else _word_after(args, position)
    return None


def _word_after(args: list[Word], position: int) -> Word:
    return args[position + 1] if position + 1 < len(args) else Word("", False)


_FROM_INPUT = frozenset({"--create", "--pass-through", "--names-stdin", "--paths-from-stdin"})
# Per program: its long options that read names, each with the shortest prefix taken for it
# (GNU getopt and Python's argparse take prefixes; Go's pflag does not).
_LONG = {
    "tar": (("--files-from", 7),), "bsdtar": (("--files-from", 7),),
    "rsync": (("--files-from", 12),), "zip": (("--names-stdin", 13),),
    "cpio": (("--create", 5), ("--pass-through", 6)),
    "sort": (("--files0-from", 5),), "wc": (("--files0-from", 3),), "du": (("--files0-from", 3),),
    "restic": (("--files-from", 12), ("--files-from-raw", 16), ("--files-from-verbatim", 21)),
    "rclone": (("--files-from", 12), ("--files-from-raw", 16)),
    "borg": (("--paths-from-stdin", 14),), "pax": (),
}
NAME_LISTS = frozenset(_LONG)
_BEFORE_DESTINATION = frozenset({"rsync", "rclone"})  # their names are sources
# Per program: its short options that read names (from the value of tar's -T or bsdtar's -I;
# from the input for cpio's -o / -p, zip's -@ and pax's -w), and those that take a value
# (which end the cluster they are in).
_SHORT = {
    "tar": ("T", frozenset("bCfFgHIKLNVX")), "bsdtar": ("TI", frozenset("bCfFgHKLNVX")),
    "cpio": ("op", frozenset("CDEFHIMOR")), "zip": ("@", frozenset("bniPstxYZ")),
    "pax": ("w", frozenset("bfopsxBGTU")),
}
_SHORT_FROM_INPUT = frozenset({"cpio", "zip", "pax"})


def _short_value(letters: str, wanted: str, values: frozenset[str]) -> str | None:
    """In a cluster of short options, what follows the first of `wanted` in it (its value when
    it takes one; "" when that is the next word), or None when none of them comes before a
    letter that takes a value."""
    for at, letter in enumerate(letters):
        if letter in wanted:
            return letters[at + 1:]
        if letter in values:
            return None
    return None
