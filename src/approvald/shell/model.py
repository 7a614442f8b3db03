"""What the shell analysis reports about one shell line.

These types are the contract between `approvald.shell` and the policy engine.
"""

from __future__ import annotations

from approvald.model.plain import Frozen

# Why something could not be resolved statically.
DYNAMIC_NAME = "name"  # the program itself comes from $var / $(...) / non-literal eval
DYNAMIC_ARGS = "args"  # some argument comes from a variable or substitution


class Redirect(Frozen):
    """A file a command reads (`<`, `<<<` of a file, `0<`) or writes (`>`, `>>`, `&>`, `2>`)."""

    path: str  # absolute, normalized against the command's effective cwd
    mode: str  # "read" | "write"

    def __init__(self, path: str, mode: str) -> None:
        self.__dict__.update(path=path, mode=mode)


class SimpleCommand(Frozen):
    """One simple command that would run, as bash would see it after quote removal.

    `argv` is after wrappers are peeled (`sudo env FOO=1 nice git push` -> `git push`), with
    `argv[0]` as written (`/usr/bin/git`). `program` is its basename (`git`). `args` is argv[1:]
    with the program's global options removed so the subcommand comes first
    (`git -C x -c a=b push` -> `("push",)`; `terraform -chdir=infra apply` -> `("apply",)`).
    """

    argv: tuple[str, ...]
    program: str
    args: tuple[str, ...]
    cwd: str  # effective working directory (after `cd DIR &&`)
    wrappers: tuple[str, ...]  # peeled wrappers, outermost first: ("sudo", "env")
    assignments: tuple[str, ...]  # leading VAR=value (and env's)
    dynamic: str | None  # None, DYNAMIC_NAME or DYNAMIC_ARGS
    dynamic_args: frozenset[int]  # indexes into `args` that are not literal
    redirects: tuple[Redirect, ...]
    text: str  # the source text of this command, for display
    depth: int  # 0 at top level; +1 inside bash -c, eval, substitutions, xargs, find -exec
    via: str  # how it was reached when nested: "bash -c", "$(...)", "xargs", "find -exec"
    # What interpreter code was seen to do beyond running commands: "reverse-shell",
    # "tty-injection", "keystrokes", "approvald-import", "keyring", "dynamic-eval".
    findings: frozenset[str]
    glob_args: frozenset[int]  # indexes into `args` of unquoted globs (`*.env`)

    def __init__(self, argv: tuple[str, ...], program: str, args: tuple[str, ...], cwd: str,
                 wrappers: tuple[str, ...] = (), assignments: tuple[str, ...] = (),
                 dynamic: str | None = None, dynamic_args: frozenset[int] = frozenset(),
                 redirects: tuple[Redirect, ...] = (), text: str = "", depth: int = 0,
                 via: str = "", findings: frozenset[str] = frozenset(),
                 glob_args: frozenset[int] = frozenset()) -> None:
        self.__dict__.update(argv=argv, program=program, args=args, cwd=cwd, wrappers=wrappers,
                             assignments=assignments, dynamic=dynamic, dynamic_args=dynamic_args,
                             redirects=redirects, text=text, depth=depth, via=via,
                             findings=findings, glob_args=glob_args)

    @property
    def subcommand(self) -> str | None:
        return self.args[0] if self.args else None


class ShellAnalysis(Frozen):
    line: str
    commands: tuple[SimpleCommand, ...]
    # Files read/written through redirections anywhere in the line (also on each command).
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    # Human sentences for what could not be resolved statically.
    dynamic: tuple[str, ...]
    # Did the parser report a syntax error? (Analysis still covers what it could read.)
    syntax_error: bool
    notes: tuple[str, ...]
    # Where output goes: commands[a:b] feed their output to commands[c:d] (pipes, and the
    # substitutions inside a command's words), as (a, b, c, d).
    flows: tuple[tuple[int, int, int, int], ...]
    # Files the line writes and later commands may run: (path, content, content is literal).
    written: tuple[tuple[str, str, bool], ...]

    def __init__(self, line: str, commands: tuple[SimpleCommand, ...],
                 reads: tuple[str, ...] = (), writes: tuple[str, ...] = (),
                 dynamic: tuple[str, ...] = (), syntax_error: bool = False,
                 notes: tuple[str, ...] = (), flows: tuple[tuple[int, int, int, int], ...] = (),
                 written: tuple[tuple[str, str, bool], ...] = ()) -> None:
        self.__dict__.update(line=line, commands=commands, reads=reads, writes=writes,
                             dynamic=dynamic, syntax_error=syntax_error, notes=notes, flows=flows,
                             written=written)
