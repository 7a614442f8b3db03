"""PowerShell's file and web cmdlets, as the POSIX commands the policy's rules name.

An agent on Windows (or `pwsh -c`) writes `Remove-Item -Recurse -Force C:\\Users\\me`, not
`rm -rf`: a deny rule on `rm` must hold for it too. Each cmdlet below (and its aliases that are
not POSIX names already) is reported as written and runs, one level deeper, the command that does
the same: `rm -r -f -- PATH`, `cat -- PATH`, `cp`/`mv`, `tee` for the cmdlets that write a file,
`curl` for the web ones. `Invoke-Expression` runs text as PowerShell code, which approvald does
not read: it is dynamic. Parameters are read as PowerShell reads them: any case, any unique
prefix (`-r` is `-Recurse`), `-Name:value`, and the positional path or URL.

cmd.exe's own language (`cmd /c "rd /s /q C:\\"`) is not read either: the text it runs
(after `/c`, `/k` or `/r`, or on its standard input) makes it dynamic.
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

# Start-BitsTransfer copies -Source to -Destination, either of them a URL (a download or an
# upload): a copy, whose read source and written destination the policy judges.
_BITS = _Cmdlet("cp", ("source", "destination"), values=(
    "transfertype", "displayname", "description", "priority", "credential", "authentication",
    "proxyusage", "proxylist", "proxybypass", "proxycredential", "retryinterval",
    "retrytimeout", "customheaders", "customheaderswriteonly", "usestoredcredential",
    "certstorelocation", "certstorename", "certhash", "maxdownloadtime", "transferpolicy",
    "securityflags"))

_CURL_FILES = {"outfile": "-o", "infile": "-T"}  # the file the web cmdlets write / send
_RENAME = _Cmdlet("mv", ("path", "literalpath", "newname"), {"force": "-f"}, ("credential",))
_NEW = _Cmdlet("tee", ("path", "name"), values=("itemtype", "type", "value", "credential"))

CMDLETS: dict[str, _Cmdlet] = {
    **dict.fromkeys(("remove-item", "ri", "del", "erase", "rd"), _REMOVE),
    **dict.fromkeys(("get-content", "gc", "select-string", "sls", "import-csv", "ipcsv"), _READ),
    **dict.fromkeys(("set-content", "sc", "out-file", "clear-content", "clc", "tee-object"),
                    _WRITE),
    **dict.fromkeys(("new-item", "ni"), _NEW),
    **dict.fromkeys(("rename-item", "rni", "ren"), _RENAME),
    **dict.fromkeys(("add-content", "ac"), _APPEND),
    **dict.fromkeys(("copy-item", "cpi", "copy"), _COPY),
    **dict.fromkeys(("move-item", "mi", "move"), _MOVE),
    **dict.fromkeys(("invoke-webrequest", "iwr", "invoke-restmethod", "irm"), _WEB),
    "start-bitstransfer": _BITS,
}
# Windows PowerShell's aliases that are POSIX names too: only in PowerShell code.
WINDOWS_ALIASES: dict[str, _Cmdlet] = {"rmdir": _REMOVE, "type": _READ}
# Cmdlets that run a script block, a program or a job: what they run is not read.
EVALUATORS: frozenset[str] = frozenset({
    "invoke-expression", "iex", "invoke-command", "icm", "start-process", "saps",
    "start-job", "sajb", "foreach-object", "invoke-item", "ii"})
_ELIXIR_IEX = ("-S", "--sname", "--name", "--cookie", "--remsh", "--dot-iex", "--erl", "--werl",
               "-v", "--version", "-h", "--help", "-pa", "-pz", "-r", "--no-pry")


def run(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
        ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """The cmdlet as written, then the POSIX command it amounts to."""
    if name == "iex" and ((len(words) > 1 and words[1].text in _ELIXIR_IEX) or
                          (len(words) == 1 and stdin is None)):
        return None  # Elixir's interactive shell (`iex -S mix`), not Invoke-Expression
    if name in EVALUATORS:
        an.note_dynamic(f"{words[0].text} runs text as PowerShell code, which approvald does "
                        "not read")
        return commands.emit(an, words, assignments, ctx, site, dynamic=DYNAMIC_NAME)
    if name in WINDOWS_ALIASES:  # `rmdir -Recurse -Force C:\`, `type secret`: in pwsh code
        if ctx.via.split(" ", 1)[0] not in ("pwsh", "powershell"):
            return None
        cmdlet = WINDOWS_ALIASES[name]
    else:
        cmdlet = CMDLETS[name]
    flags, operands, files = _read(cmdlet, words[1:])
    piped = not operands and stdin is not None
    if piped:  # `Get-Item ~/.ssh/id_rsa | Get-Content`: the items come down the pipe
        an.note_dynamic(f"{words[0].text} works on items only known at run time")
        operands = [Word("<items from the pipeline>", False)]
    index = commands.emit(an, words, assignments, ctx, site,
                          dynamic=DYNAMIC_NAME if piped else None)
    argv = [Word(cmdlet.program), *(Word(f) for f in flags)]
    for flag, file in files:  # Invoke-WebRequest -OutFile F / -InFile F: curl -o F / -T F
        argv += [Word(flag), file]
    if commands.can_nest(an, ctx, name):
        commands.run_argv(an, [*argv, Word("--"), *operands], [], scope,
                          commands.derived(ctx, words[0].text, [*site.peeled, name]),
                          text=site.text, cwd=site.cwd)
    return index


def _read(cmdlet: _Cmdlet,
          words: list[Word]) -> tuple[list[str], list[Word], list[tuple[str, Word]]]:
    """(POSIX flags, the paths or URLs in order, curl's -o/-T with -OutFile's / -InFile's value)
    of a cmdlet's words."""
    flags: list[str] = []
    operands: list[Word] = []
    files: list[tuple[str, Word]] = []
    names = (*cmdlet.paths, *cmdlet.flags, *cmdlet.values)
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        text = word.text
        option, colon, glued = text[1:].partition(":")
        # `-Recurse:$true` is a parameter too: only its value is PowerShell's (a variable)
        named = word.literal or (colon and option.isalnum())
        if not (named and text.startswith("-") and len(text) > 1):
            operands += _items(word)  # positional: the path (or URL)
            continue
        full = _full_name(option.lower(), names)
        if full is None or full in cmdlet.flags:  # (a switch, or one not known: -WhatIf)
            if full is not None and glued.lower() not in ("$false", "false", "0"):
                flags.append(cmdlet.flags[full])
            continue
        constant = glued.lower() in ("$true", "$false")
        value = Word(glued, word.literal or constant) if colon else (
            words[index] if index < len(words) else None)
        if not colon:
            index += 1
        if value is None:
            break
        if full in cmdlet.paths:
            operands += _items(value)
        elif full in _CURL_FILES:
            files.append((_CURL_FILES[full], value))
    return flags, operands, files


def _full_name(given: str, names: tuple[str, ...]) -> str | None:
    """The parameter a (case-folded) name or unique prefix stands for, as PowerShell binds it."""
    if given in names:
        return given
    found = [name for name in names if name.startswith(given)]
    return found[0] if len(found) == 1 else None


def _items(word: Word) -> list[Word]:
    """A PowerShell array argument (`a,b`) as its items."""
    text = word.text.replace("\\", "/")  # PowerShell takes `\` as a separator everywhere
    if not word.literal or "," not in text:
        return [Word(text, word.literal, word.glob)]
    return [Word(item, True, word.glob) for item in text.split(",") if item]


def cmd_shell(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
              ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """cmd.exe running text (`/c TEXT`, `/k`, `/r`, any case, glued or not; or its standard
    input): dynamic, since cmd's language is not read."""
    runs = any(_cmd_runs(word) for word in words[1:])
    if not runs and stdin is None:
        return None  # `cmd /?`, or an interactive cmd with no input from this line
    an.note_dynamic(f"{words[0].text} runs cmd.exe code, which approvald does not read")
    return commands.emit(an, words, assignments, ctx, site, dynamic=DYNAMIC_NAME)


def _cmd_runs(word: Word) -> bool:
    """Whether this argument of cmd.exe makes it run text: `/c`, `/k` or `/r` (switches may
    be glued, `/d/c`, `/q/k`), a word that is not a switch (cmd reads its whole command line),
    or one only known at run time."""
    text = word.text
    if not word.literal or not text.startswith("/"):
        return True
    return any(switch[:1].lower() in ("c", "k", "r") for switch in text.split("/"))
