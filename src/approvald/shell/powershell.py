"""PowerShell's file and web cmdlets, as the POSIX commands the policy's rules name.

An agent on Windows (or `pwsh -c`) writes `Remove-Item -Recurse -Force C:\\Users\\me`, not
`rm -rf`: a deny rule on `rm` must hold for it too. Each cmdlet below (and its aliases that are
not POSIX names already) is reported as written and runs, one level deeper, the command that does
the same: `rm -r -f -- PATH`, `cat -- PATH`, `cp`/`mv`, `tee` for the cmdlets that write a file,
`curl` for the web ones. `Invoke-Expression` runs text as PowerShell code, which approvald does
not read: it is dynamic. Parameters are read as PowerShell reads them: any case, any unique
prefix (`-r` is `-Recurse`), `-Name:value`, and the positional path or URL.
"""

from __future__ import annotations

from approvald.shell import commands
from approvald.shell.model import DYNAMIC_NAME
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer


class _Cmdlet:
    """What a cmdlet runs: the POSIX program, its switches as flags, which parameters hold paths
    (the first is positional), and which hold a value that is not a path."""

    __slots__ = ("flags", "paths", "program", "values")

    def __init__(self, program: str, paths: tuple[str, ...], flags: dict[str, str] | None = None,
                 values: tuple[str, ...] = ()) -> None:
        self.program = program
        self.paths = paths
        self.flags = flags or {}
        self.values = values


_REMOVE = _Cmdlet("rm", ("path", "literalpath"), {"recurse": "-r", "force": "-f"},
                  ("filter", "include", "exclude", "credential", "stream"))
_READ = _Cmdlet("cat", ("path", "literalpath"),
                values=("totalcount", "head", "tail", "first", "last", "encoding", "delimiter",
                        "readcount", "filter", "include", "exclude", "stream"))
_WRITE = _Cmdlet("tee", ("path", "literalpath", "filepath"),
                 values=("value", "encoding", "inputobject", "width", "filter", "include",
                         "exclude", "stream"))
_APPEND = _Cmdlet("tee", ("path", "literalpath", "filepath"), {"append": "-a"},
                  _WRITE.values)
_COPY = _Cmdlet("cp", ("path", "literalpath", "destination"), {"recurse": "-r", "force": "-f"},
                ("filter", "include", "exclude", "credential", "tosession", "fromsession"))
_MOVE = _Cmdlet("mv", ("path", "literalpath", "destination"), {"force": "-f"},
                ("filter", "include", "exclude", "credential"))
_WEB = _Cmdlet("curl", ("uri", "url"), values=(
    "method", "body", "headers", "contenttype", "outfile", "infile", "usernamefield",
    "credential", "useragent", "timeoutsec", "maximumredirection", "proxy", "sessionvariable",
    "websession", "form", "certificate", "token", "authentication"))

CMDLETS: dict[str, _Cmdlet] = {
    **dict.fromkeys(("remove-item", "ri", "del", "erase", "rd"), _REMOVE),
    **dict.fromkeys(("get-content", "gc"), _READ),
    **dict.fromkeys(("set-content", "sc", "out-file"), _WRITE),
    **dict.fromkeys(("add-content", "ac"), _APPEND),
    **dict.fromkeys(("copy-item", "cpi", "copy"), _COPY),
    **dict.fromkeys(("move-item", "mi", "move"), _MOVE),
    **dict.fromkeys(("invoke-webrequest", "iwr", "invoke-restmethod", "irm"), _WEB),
}
EVALUATORS: frozenset[str] = frozenset({"invoke-expression", "iex"})


def run(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
        ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """The cmdlet as written, then the POSIX command it amounts to."""
    if name in EVALUATORS:
        an.note_dynamic(f"{words[0].text} runs text as PowerShell code, which approvald does "
                        "not read")
        return commands.emit(an, words, assignments, ctx, site, dynamic=DYNAMIC_NAME)
    cmdlet = CMDLETS[name]
    index = commands.emit(an, words, assignments, ctx, site)
    flags, operands, outfile = _read(cmdlet, words[1:])
    argv = [Word(cmdlet.program), *(Word(f) for f in flags)]
    if outfile is not None:  # Invoke-WebRequest -OutFile F: curl -o F
        argv += [Word("-o"), outfile]
    if commands.can_nest(an, ctx, name):
        commands.run_argv(an, [*argv, Word("--"), *operands], [], scope,
                          commands.derived(ctx, words[0].text, [*site.peeled, name]),
                          text=site.text, cwd=site.cwd)
    return index


def _read(cmdlet: _Cmdlet, words: list[Word]) -> tuple[list[str], list[Word], Word | None]:
    """(POSIX flags, the paths or URLs in order, an -OutFile's value) of a cmdlet's words."""
    flags: list[str] = []
    operands: list[Word] = []
    outfile: Word | None = None
    names = (*cmdlet.paths, *cmdlet.flags, *cmdlet.values)
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        text = word.text
        if not (word.literal and text.startswith("-") and len(text) > 1):
            operands += _items(word)  # positional: the path (or URL)
            continue
        option, colon, glued = text[1:].partition(":")
        full = _full_name(option.lower(), names)
        if full is None or full in cmdlet.flags:  # (a switch, or one not known: -WhatIf)
            if full is not None and glued.lower() not in ("$false", "false", "0"):
                flags.append(cmdlet.flags[full])
            continue
        value = Word(glued, word.literal) if colon else (
            words[index] if index < len(words) else None)
        if not colon:
            index += 1
        if value is None:
            break
        if full in cmdlet.paths:
            operands += _items(value)
        elif full == "outfile":
            outfile = value
    return flags, operands, outfile


def _full_name(given: str, names: tuple[str, ...]) -> str | None:
    """The parameter a (case-folded) name or unique prefix stands for, as PowerShell binds it."""
    if given in names:
        return given
    found = [name for name in names if name.startswith(given)]
    return found[0] if len(found) == 1 else None


def _items(word: Word) -> list[Word]:
    """A PowerShell array argument (`a,b`) as its items."""
    if not word.literal or "," not in word.text:
        return [word]
    return [Word(item, True, word.glob) for item in word.text.split(",") if item]
