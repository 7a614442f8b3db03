"""Programs that take file names from their input or from a file rather than as arguments.

When what they read is a finder's names (see `pipes.Printers.listing`), they are handed those
names as the run-time value `$(find ~)`, as xargs hands them to its command: `find ~ | while
read f; do cat "$f"; done` reads what `cat $(find ~)` reads, `find ~ | tar -cf - -T -`
archives what `tar -cf - $(find ~)` archives, and `find ~ -print0 | sort --files0-from=-`
prints what `sort $(find ~)` prints. Each of these is a `specials` handler.
"""

from __future__ import annotations

from approvald.shell import scripts
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer

_READ_VALUES = frozenset("adinNptu")  # bash's `read` options that take a value
_STDIN = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def read(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
         ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """`read [-r] [-d D] NAME...` sets each NAME (or REPLY) to a line of its input: when that
    input is a finder's names, to their run-time value. (`-a ARRAY` names a variable too.)"""
    listed = an.printers.listing(an.commands, stdin)
    if listed is None:
        return None
    names: list[str] = []
    position = 1
    while position < len(words) and words[position].text.startswith("-"):
        option = words[position].text
        position += 1
        if option == "--":
            break
        for at, letter in enumerate(option[1:], 2):
            if letter in _READ_VALUES:
                value = option[at:] if at < len(option) else (
                    words[position].text if position < len(words) else "")
                position += at >= len(option)
                if letter == "a":
                    names.append(value)
                break
    names.extend(word.text for word in words[position:] if word.literal)
    for variable in names or ["REPLY"]:
        scope.vars[variable] = Word(listed, False)
    return None


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
