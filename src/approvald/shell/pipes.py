"""Which command printed what a pipe feeds, when that output is unknown.

`find ~/.ssh | xargs cat` runs `cat` on what find prints: the pipe's text is unknown, but
xargs appends what `cat $(find ~/.ssh)` has in its place (see `commands.run_argv`). Each
unknown output is a word of its own, remembered with the command that printed it; a filter of
lines (`find ~/.ssh | sort | xargs cat`) passes on the command that printed its input. A file
the line writes that output to (`find ~ > list`) holds the same word, and so do the lines a
`read` takes from it (`find ~ | while read f; do cat "$f"; done`).
"""

from __future__ import annotations

from approvald.shell.model import SimpleCommand
from approvald.shell.state import UNKNOWN_OUTPUT, Outcome
from approvald.shell.words import Word

# Programs that print some of their input lines as they are (in another order, or fewer), or
# a part of each (`cut -f2` of `du -a`): the names in them stay names.
LINE_FILTERS = frozenset({"sort", "uniq", "head", "tail", "grep", "egrep", "fgrep", "rg",
                          "shuf", "tac", "cut", "awk", "gawk", "mawk", "sed", "tr"})
# Programs that print file names: what is read from them is read as their substitution.
LISTERS = frozenset({"find", "fd", "fdfind", "ls", "locate", "plocate", "compgen", "tree",
                     "du", "stat"})


class Printers:
    """Unknown pipe outputs and the commands (indexes into the line's commands) that printed
    them; keyed by the word's identity, with the word kept so the key stays its own."""

    def __init__(self) -> None:
        self._by_word: dict[int, tuple[Word, int]] = {}
        self.last: Word | None = None  # the unknown output made last (a pipeline's ends with it)

    def output(self, commands: list[SimpleCommand], outcome: Outcome | None,
               stdin: Word | None) -> Word:
        """What the command of `outcome` (which read `stdin`) feeds the next one: unknown."""
        if outcome is None or outcome.index is None:
            return UNKNOWN_OUTPUT
        index = outcome.index
        if commands[index].program in LINE_FILTERS:
            before = self._index(stdin)
            if before is not None:
                index = before
        word = Word("", False)
        self._by_word[id(word)] = (word, index)
        self.last = word
        return word

    def printer(self, commands: list[SimpleCommand], stdin: Word | None) -> SimpleCommand | None:
        """The command whose unknown output `stdin` is, if it is one this line ran."""
        index = self._index(stdin)
        return commands[index] if index is not None else None

    def _index(self, word: Word | None) -> int | None:
        found = self._by_word.get(id(word)) if word is not None else None
        return found[1] if found is not None and found[0] is word else None

    def listing(self, commands: list[SimpleCommand], stdin: Word | None) -> str | None:
        """The file names `stdin` carries, as a run-time value: `$(LISTER ...)` when a lister of
        this line printed it, or the text of a substitution that stands for it (`<<<
        "$(find ~)"`); None when it carries no names known to be a listing."""
        printer = self.printer(commands, stdin)
        if printer is not None:
            return f"$({printer.text})" if printer.program in LISTERS and printer.text else None
        if stdin is not None and not stdin.literal and ("$(" in stdin.text or "`" in stdin.text):
            return stdin.text
        return None


_GROUPS = frozenset({"compound_statement", "subshell"})


def group_outcome(commands: list[SimpleCommand], kind: str, start: int,
                  depth: int) -> Outcome | None:
    """`{ find ~; } | xargs cat`: what a group (node type `kind`, its commands from `start`)
    prints into a pipe is taken as its last command's output."""
    if kind in _GROUPS:
        for index in range(len(commands) - 1, start - 1, -1):
            if commands[index].depth == depth:
                return Outcome(index)
    return None
