"""What `commands.dispatch` does for programs it treats specially, beyond reporting them: eval and
trap run text, find and fd run commands on what they find, source, at, crontab and make run
scripts, cd moves the directory, alias and `hash -p` bind names, `read` and the programs that
read file names from their input take a finder's names (`namelists.py`), PowerShell's file and
web cmdlets run the POSIX commands they amount to, the shell escapes of sqlite3, psql, mysql,
gdb and lldb run shell lines, and `dotnet fsi` runs F# from its input."""

from __future__ import annotations

from approvald.model.actions import normalize_path
from approvald.shell import (
    arith,
    commands,
    escapes,
    finders,
    namelists,
    output,
    positional,
    powershell,
    scripts,
)
from approvald.shell.model import DYNAMIC_NAME
from approvald.shell.peel import join_words
from approvald.shell.state import set_var
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable

    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer

_CD_FLAGS = frozenset({"-L", "-P", "-e", "-@", "--"})


# What `dispatch` does for the programs below, beyond reporting them: each handler returns the
# index of the command it reported, or None to have the command reported as any other is.

def _eval(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
          ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    rest = words[1:]
    if not rest:
        return None
    script = join_words(rest[1:] if rest[0].text == "--" else rest)
    dynamic = commands.dynamic_text(an, script, "eval")
    index = commands.emit(an, words, assignments, ctx, site, dynamic=dynamic)
    commands.walk_nested(an, script.text, scope, ctx, "eval", site)  # same shell: cd carries over
    return index


def _trap(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
          ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    rest = words[1:]
    if rest and rest[0].text == "--":
        rest = rest[1:]
    if len(rest) < 2 or rest[0].text.startswith("-") or not rest[0].text:
        return None
    dynamic = commands.dynamic_text(an, rest[0], "trap")
    index = commands.emit(an, words, assignments, ctx, site, dynamic=dynamic)
    commands.walk_nested(an, rest[0].text, scope.copy(), ctx, "trap", site)
    return index


def _cd(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
        ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    index = commands.emit(an, words, assignments, ctx, site)
    if not set(site.peeled) - {"builtin", "command"} and site.replace is None \
            and not site.appended:
        change_directory(an, name, words[1:], scope)
    return index


def _alias(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
           ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    for word in words[1:]:
        alias_name, equals, value = word.text.partition("=")
        if equals and word.literal:
            scope.aliases[alias_name] = value
    return None


def _dotnet(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
            ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """`dotnet fsi` with input and no script (an `.fsx` operand) runs its input as F#, which
    approvald does not read; a script of the project's is not read, as `python3 x.py` is not."""
    rest = [w for w in words[1:] if not w.text.startswith("-")]
    if not rest or rest[0].text != "fsi" or stdin is None or any(
            w.text.endswith((".fsx", ".fsscript")) for w in rest[1:]):
        return None
    an.note_dynamic("dotnet fsi runs F# code from its input, which approvald does not read")
    return commands.emit(an, words, assignments, ctx, site, dynamic=DYNAMIC_NAME)


def _printf(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
            ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """`printf -v NAME FORMAT ARGS`: NAME holds what printf would print."""
    option = words[1].text if len(words) > 2 else ""
    if not option.startswith("-v") or not words[1].literal:
        return None
    at = 2 if option == "-v" else 1
    variable = words[at].text if option == "-v" else option[2:]
    rest = words[at + 1:]
    if rest and rest[0].text == "--":
        rest = rest[1:]
    if rest and variable:
        value = output.printf_output([word.text for word in rest],
                                     all(word.literal for word in rest))
        set_var(scope, variable,
                value if value.literal else Word(value.text or f"${variable}", False))
    return None


def _hash(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
          ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    remember_hashed(words[1:], scope)
    return None


HANDLERS: dict[str, Callable[[Analyzer, str, list[Word], list[str], Scope, Ctx, Site,
                                Word | None], int | None]] = {
    "eval": _eval, "trap": _trap, "find": finders.find, "fd": finders.fd, "fdfind": finders.fd,
    "source": scripts.source, ".": scripts.source,
    **dict.fromkeys(("at", "batch", "crontab", "atq", "atrm"), scripts.scheduled),
    "make": scripts.make, "gmake": scripts.make, "cd": _cd, "pushd": _cd, "popd": _cd,
    "alias": _alias, "hash": _hash, "printf": arith.naming(_printf),
    "read": arith.naming(namelists.read), "mapfile": arith.naming(namelists.mapfile),
    "readarray": arith.naming(namelists.mapfile),
    **dict.fromkeys(("test", "[", "unset", "wait"), arith.named),
    **dict.fromkeys(namelists.NAME_LISTS, namelists.name_list),
    "let": arith.let, "set": positional.set_builtin, "shift": positional.shift_builtin,
    **dict.fromkeys((*powershell.CMDLETS, *powershell.EVALUATORS, *powershell.WINDOWS_ALIASES),
                    powershell.run),
    "cmd": powershell.cmd_shell, "dotnet": _dotnet,
    **dict.fromkeys(escapes.LANGUAGES, escapes.run),
}


def remember_hashed(words: list[Word], scope: Scope) -> None:
    """`hash -p PATH NAME...`: from now on NAME runs PATH (`hash -p /bin/rm git; git -rf ~`),
    as an alias would run it; a PATH known only at run time makes NAME a run-time name."""
    path: Word | None = None
    index = 0
    while path is None and index < len(words) and words[index].text.startswith("-") \
            and words[index].text != "-":
        option = words[index]
        index += 1
        if option.text == "--":
            break
        letters = option.text[1:]
        if "p" in letters:  # -p PATH, or -pPATH
            glued = letters[letters.index("p") + 1:]
            if glued:
                path = Word(glued, option.literal)
            elif index < len(words):
                path, index = words[index], index + 1
    if path is None:
        return
    command = commands.quote_words([path]) if path.literal else '"${BASH_CMDS[hashed]}"'
    for word in words[index:]:
        if word.literal:
            scope.aliases[commands.HASHED + word.text] = command


def change_directory(an: Analyzer, name: str, rest: list[Word], scope: Scope) -> None:
    operands = [word for word in rest if not (word.literal and word.text in _CD_FLAGS)]
    target: str | None = None
    if name == "popd":
        if not operands and scope.stack:
            target = scope.stack.pop()
    elif not operands:
        if name == "cd":
            target = normalize_path("~", scope.cwd, an.home)
        elif scope.stack:  # pushd alone swaps the top two directories
            target = scope.stack.pop()
            scope.stack.append(scope.cwd)
    else:
        operand = operands[0]
        if operand.literal and operand.text == "-" and name == "cd":
            target = scope.oldpwd
        elif operand.literal and not operand.text.startswith(("+", "-")):
            target = normalize_path(operand.text, scope.cwd, an.home)
            if name == "pushd":
                scope.stack.append(scope.cwd)
    if target is None:
        shown = " ".join(word.text for word in [Word(name), *rest])
        an.note_dynamic(f"`{shown}`: the directory is only known at run time; later paths "
                        f"are resolved against {scope.cwd}")
        return
    scope.oldpwd, scope.cwd = scope.cwd, target
