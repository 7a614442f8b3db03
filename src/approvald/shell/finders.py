"""find and fd: their own argv is reported (`-delete` stays visible), and each command they
run on what they find (`find -exec`, `fd -x` / `-X`) is a derived command."""

from __future__ import annotations

from itertools import takewhile

from approvald.model.actions import normalize_path
from approvald.shell import commands
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Iterable

    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer

_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
_FIND_WRITES = frozenset({"-fprint", "-fprint0", "-fls", "-fprintf"})


def find(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
         ctx: Ctx, site: Site, stdin: Word | None) -> int:
    """find keeps its own argv (`-delete` stays visible); each -exec is a derived command.

    `{}` in an -exec command is what find found: with one starting point and one name test
    it is `ROOT/**/NAME` (a glob the policy can judge: `find . -name '.env*' -exec cat {} +`
    reads `.env*` files); otherwise it is `$(find ROOT ...)`, a run-time value that still
    names the roots (`find ~ -exec cat {} +` reads what `cat $(find ~)` does)."""
    index = commands.emit(an, words, assignments, ctx, site)
    rest = words[1:]
    fill = _found_files(an, rest, site.cwd)
    found = Word(fill, True, True) if fill is not None else _substitution(
        name, takewhile(lambda word: word.text not in _FIND_EXEC, rest))
    position = 0
    while position < len(rest):
        option = rest[position].text
        position += 1
        if option in _FIND_WRITES and position < len(rest):
            an.add_path(rest[position], site.cwd, "write", f"find {option} file")
        if option not in _FIND_EXEC:
            continue
        command: list[Word] = []
        while position < len(rest):
            word = rest[position]
            position += 1
            if word.text == ";" or (word.text == "+" and command and command[-1].text == "{}"):
                break
            command.append(word)
        via = f"find {option}"
        if command and command[0].text != "{}":
            command = _filled(command, ("{}",), found)
        if command and commands.can_nest(an, ctx, via):
            commands.run_argv(an, command, [], scope,
                              commands.derived(ctx, via, [*site.peeled, "find"]),
                              text=site.text, replace="{}", cwd=site.cwd)
    return index


# fd's short options that take a value (the rest of a cluster, or the next word).
_FD_VALUES = frozenset("dEetSjcoxX")
_FD_PLACEHOLDERS = ("{}", "{/}", "{//}", "{.}", "{/.}")


def fd(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
       ctx: Ctx, site: Site, stdin: Word | None) -> int:
    """fd keeps its own argv; each `-x`/`--exec` or `-X`/`--exec-batch` command (the words
    after it, up to `;` or the end) is a derived command run on what fd finds: a placeholder
    (`{}`, `{/}`, `{//}`, `{.}`, `{/.}`) is what fd found, `$(fd ARGS)`, a run-time value that
    names its roots, and without one that is appended."""
    index = commands.emit(an, words, assignments, ctx, site)
    rest = words[1:]
    execs: list[tuple[str, list[Word]]] = []
    listing: list[Word] = []  # fd's own arguments: its pattern and roots may follow a `-x ... ;`
    position = 0
    while position < len(rest):
        option = rest[position].text
        position += 1
        start = _fd_exec(option)
        if start is None:
            listing.append(rest[position - 1])
            continue
        command = [Word(start)] if start else []
        while position < len(rest) and rest[position].text != ";":
            command.append(rest[position])
            position += 1
        position += 1  # the `;`
        execs.append((option, command))
    found = _substitution(name, listing)
    for option, command in execs:
        via = f"{name} {option}"
        if not command or not commands.can_nest(an, ctx, via):
            continue
        placeholder = any(p in w.text for w in command for p in _FD_PLACEHOLDERS)
        command = _filled(command, _FD_PLACEHOLDERS, found) if placeholder else [
            *command, found]
        commands.run_argv(an, command, [], scope,
                          commands.derived(ctx, via, [*site.peeled, name]),
                          text=site.text, replace="{" if placeholder else None,
                          appended=not placeholder, cwd=site.cwd)
    return index


def _fd_exec(option: str) -> str | None:
    """For an fd argument that starts an exec command, the command's first word when glued to
    it ("" when the command follows); None for any other argument."""
    if option in ("--exec", "--exec-batch"):
        return ""
    if option.startswith(("--exec=", "--exec-batch=")):
        return option.partition("=")[2]
    if option.startswith("-") and not option.startswith("--"):
        for position, letter in enumerate(option[1:], 1):
            if letter in "xX":
                return option[position + 1:]
            if letter in _FD_VALUES:
                return None  # the rest is this option's value
    return None


def _substitution(name: str, args: Iterable[Word]) -> Word:
    """`$(NAME ARGS)`: what a finder lists when no glob says it, a run-time value whose words
    still name the roots (read_arg `~` in `$(find ~)`)."""
    return Word(f"$({' '.join([name, *(word.text for word in args)])})", False)


def _filled(command: list[Word], placeholders: tuple[str, ...], found: Word) -> list[Word]:
    """`command` with each placeholder replaced by what was found."""
    filled = []
    for word in command:
        text = word.text
        for placeholder in placeholders:
            text = text.replace(placeholder, found.text)
        filled.append(word if text == word.text else
                      Word(text, word.literal and found.literal, word.glob or found.glob))
    return filled


_FIND_NAMES = frozenset({"-name", "-iname"})
_FIND_PATHS = frozenset({"-path", "-ipath", "-wholename", "-iwholename"})


def _found_files(an: Analyzer, rest: list[Word], cwd: str) -> str | None:
    """What `{}` stands for, as a glob, when find's tests say it (see `find`)."""
    roots: list[Word] = []
    for word in rest:
        if word.text.startswith("-") or word.text in ("(", "!", ")"):
            break
        roots.append(word)
    names = [rest[i + 1] for i, w in enumerate(rest[:-1]) if w.text in _FIND_NAMES]
    paths = [rest[i + 1] for i, w in enumerate(rest[:-1]) if w.text in _FIND_PATHS]
    if len(roots) > 1 or len(names) + len(paths) != 1 or any(
            not w.literal for w in (*roots, *names, *paths)):
        return None
    root = roots[0].text if roots else "."
    if paths:
        return normalize_path(paths[0].text, cwd, an.home)
    name = names[0].text
    if "/" in name or not name:
        return None
    return normalize_path(root, cwd, an.home).rstrip("/") + "/**/" + name
