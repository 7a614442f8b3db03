"""What a command's arguments do with files: which it reads, which it writes (or deletes), and
which arguments are not file names at all (search patterns, messages).

`file_args(command, home)` is a pure function of the command, so it is cached. Each program is
one entry in `_RULES`; a program not listed reads or writes nothing through its arguments as far
as this module knows (the policy's `path_arg` / `read_arg` still see every argument).

Written globs: `tar -x -C DIR` writes `DIR/*`, `find DIR -name N -delete` deletes `DIR/**/N`,
a destination directory of `cp` receives `DIR/<name of the source>`.
"""

from __future__ import annotations

from functools import lru_cache

from approvald.model.plain import Frozen
from approvald.shell.argrules import RULES
from approvald.shell.argscan import Acc, Command, absolute
from approvald.shell.model import SimpleCommand

__all__ = ["FileArgs", "absolute", "file_args"]


class FileArgs(Frozen):
    reads: tuple[str, ...]
    writes: tuple[str, ...]  # written, replaced or deleted
    patterns: frozenset[int]  # indexes into args that are not file names

    def __init__(self, reads: tuple[str, ...] = (), writes: tuple[str, ...] = (),
                 patterns: frozenset[int] = frozenset()) -> None:
        self.__dict__.update(reads=reads, writes=writes, patterns=patterns)


_EMPTY = FileArgs()


def file_args(cmd: SimpleCommand, home: str) -> FileArgs:
    if cmd.program not in RULES or not cmd.args:
        return _EMPTY
    return _file_args(cmd.program, cmd.args, cmd.cwd, home)


@lru_cache(maxsize=4096)
def _file_args(program: str, args: tuple[str, ...], cwd: str, home: str) -> FileArgs:
    rule = RULES[program]
    acc = Acc(Command(program, args, cwd), home)
    rule(acc)
    if not (acc.reads or acc.writes or acc.patterns):
        return _EMPTY
    return FileArgs(tuple(dict.fromkeys(acc.reads)), tuple(dict.fromkeys(acc.writes)),
                    frozenset(acc.patterns))
