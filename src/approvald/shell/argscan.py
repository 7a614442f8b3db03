"""Scanning a command's arguments for the files they name (shared by the per-program rules).

`Acc` collects what one command reads and writes and which arguments are not file names;
`scan` is getopt with permutation over a command's arguments.
"""

from __future__ import annotations

import posixpath

from approvald.model.actions import normalize_path
from approvald.model.plain import Frozen, Plain


def absolute(text: str, cwd: str, home: str | None) -> str:
    """`normalize_path`, with a fast path for the common POSIX case (no `~`, `$`, `\\`, `:`)."""
    if text[:1] == "~" or "$" in text or "\\" in text or ":" in text or \
            (cwd[:1] != "/" and text[:1] != "/"):
        return normalize_path(text, cwd, home)
    joined = text if text[:1] == "/" else f"{cwd}/{text}"
    if "/." not in joined and "//" not in joined and not joined.endswith("/"):
        return joined
    normalized = posixpath.normpath(joined)
    return "/" + normalized.lstrip("/") if normalized.startswith("//") else normalized


class Command(Frozen):
    """What the rules look at: a command's program, arguments and directory."""

    program: str
    args: tuple[str, ...]
    cwd: str

    def __init__(self, program: str, args: tuple[str, ...], cwd: str) -> None:
        self.__dict__.update(program=program, args=args, cwd=cwd)


class Acc(Plain):
    cmd: Command
    home: str
    reads: list[str]
    writes: list[str]
    patterns: set[int]

    def __init__(self, cmd: Command, home: str, reads: list[str] | None = None,
                 writes: list[str] | None = None, patterns: set[int] | None = None) -> None:
        self.cmd = cmd
        self.home = home
        self.reads = reads if reads is not None else []
        self.writes = writes if writes is not None else []
        self.patterns = patterns if patterns is not None else set()

    def path(self, text: str) -> str | None:
        if not text or text == "-" or "\x00" in text:
            return None
        if text.startswith("file://"):
            text = text[len("file://"):]
        return absolute(text, self.cmd.cwd, self.home)

    def read(self, text: str) -> None:
        found = self.path(text)
        if found:
            self.reads.append(found)

    def write(self, text: str) -> None:
        found = self.path(text)
        if found:
            self.writes.append(found)


# --- scanning options ---------------------------------------------------------------------

Seen = list[tuple[str, str | None, int]]  # (option, value, index of the value or option)


def scan(args: tuple[str, ...], values: frozenset[str], stop_at_dashes: bool = True
          ) -> tuple[Seen, list[int]]:
    """Options (with values) and the indexes of operands, getopt-style with permutation."""
    seen: Seen = []
    operands: list[int] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--" and stop_at_dashes:
            operands.extend(range(index + 1, len(args)))
            break
        if arg.startswith("--") and len(arg) > 2:
            name, equals, attached = arg.partition("=")
            if equals:
                seen.append((name, attached, index))
            elif name in values and index + 1 < len(args):
                seen.append((name, args[index + 1], index + 1))
                index += 1
            else:
                seen.append((name, None, index))
        elif arg.startswith("-") and len(arg) > 1:
            for position in range(1, len(arg)):
                letter = "-" + arg[position]
                if letter in values:
                    if position + 1 < len(arg):
                        seen.append((letter, arg[position + 1:], index))
                    elif index + 1 < len(args):
                        seen.append((letter, args[index + 1], index + 1))
                        index += 1
                    break
                seen.append((letter, None, index))
        else:
            operands.append(index)
        index += 1
    return seen, operands


def option_values(seen: Seen, *names: str) -> list[tuple[str, int]]:
    return [(value, index) for name, value, index in seen if name in names and value is not None]


def has(seen: Seen, *names: str) -> bool:
    return any(name in names for name, _, _ in seen)
