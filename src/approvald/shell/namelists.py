"""Programs that take file names from their input rather than as arguments.

When what they read is a finder's names (see `pipes.Printers.listing`), they are handed those
names as the run-time value `$(find ~)`, as xargs hands them to its command: `find ~ | while
read f; do cat "$f"; done` reads what `cat $(find ~)` reads. Each of these is a `specials`
handler.
"""

from __future__ import annotations

from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer

_READ_VALUES = frozenset("adinNptu")  # bash's `read` options that take a value


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
