"""Arguments a command only shows: the text `echo` and `printf` print to the terminal.

`echo approvald.db` reads nothing; it is no file argument for the policy's `path_arg` /
`read_arg`. That holds only while nothing can take the text back as a file name or as code. The
ways to do so are many (`$_`, `(( _ ))` and `let _` evaluate the last argument as arithmetic,
which runs `a[$(cmd)]`; `!$` once history is on; a function named `echo` from a sourced file;
`tar -T /dev/stdout` or `mapfile -C` reading what was printed back), so the exemption is an
allow-list of shapes known to be safe, not a list of the dangerous ones. An argument counts as
shown when all of these hold:

- its command is the shell's own `echo` or `printf`, spelled so (`./echo` or `/bin/echo` is a
  program found on disk, `printf -v VAR` stores the text in a variable), run by the line itself
  (depth 0, no wrapper: `nohup` writes to nohup.out, `coproc` to a pipe), with no redirect of
  its own and feeding no pipe or substitution (`flows`);
- the shell does not expand it: an unquoted glob lists a directory (`echo ~/.ssh/*`);
- the line has no syntax error, redirects no output into a file, and is written only with
  plain words, single-quoted text, double-quoted text without `$`, `` ` ``, a backslash or `!`, and
  `;`, `&`, `|`, `>` (`>&2`): no expansion, substitution, arithmetic, test, subscript, group,
  here-document, comment or continued line (`_SAFE_LINE`);
- every other command of the line is at depth 0 with no wrapper and is `echo`, `printf` (not
  `printf -v`), `cd`, `pwd`, `true`, `false` or `:` (`_HARMLESS`): builtins that take nothing
  back from what was printed. Any other command (`source`, `shopt`, `let`, `tar -T`, `git`)
  makes the arguments file arguments again.

Anywhere else the arguments are file arguments as before (errs towards looking at more).
"""

from __future__ import annotations

from approvald.model.lazyre import lazy_compile
from approvald.shell.model import ShellAnalysis, SimpleCommand

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Sequence

PRINTERS = frozenset({"echo", "printf"})
# The other commands a line may hold: builtins that print, move or do nothing.
_HARMLESS = PRINTERS | {"cd", "pwd", "true", "false", ":"}
# The whole line: words of shlex's safe characters and `~`, globs, single-quoted text,
# double-quoted text that expands nothing, and lists, pipes and `>&N`. (Each alternative
# starts with its own character, so a line that does not match fails in linear time.)
_SAFE_LINE = lazy_compile(r"""(?:'[^']*'|"[^"$`\\!]*"|[\w@%+=:,./~*?;&|> \t\n-])*""")
_NOTHING: dict[int, frozenset[int]] = {}


def shown_args(analysis: ShellAnalysis, commands: Sequence[SimpleCommand]
               ) -> dict[int, frozenset[int]]:
    """For each command of `commands` (the analysis's own first, then any the policy derived)
    whose arguments only reach the terminal: the indexes into its args that are shown text."""
    line = analysis.line
    if ("echo" not in line and "printf" not in line) or analysis.writes or \
            analysis.syntax_error:
        return _NOTHING  # (most lines print nothing; a spelling without the name: as before)
    found: dict[int, frozenset[int]] = {}
    for index, cmd in enumerate(analysis.commands):
        if cmd.program not in PRINTERS or cmd.redirects or not cmd.args or not _plain(cmd):
            continue
        if analysis.flows and any(start <= index < end for start, end, _, _ in analysis.flows):
            continue  # piped or substituted: what it prints is another command's input
        shown = frozenset(range(len(cmd.args))) - cmd.glob_args
        if shown:
            found[index] = shown
    if not found or _SAFE_LINE.fullmatch(line) is None or \
            not all(cmd.program in _HARMLESS and _plain(cmd)
                    for index, cmd in enumerate(commands) if index not in found):
        return _NOTHING
    return found


def _plain(cmd: SimpleCommand) -> bool:
    """The shell's own builtin, run by the line itself, as written: no `printf -v`."""
    return not cmd.depth and not cmd.wrappers and cmd.dynamic is None and \
        cmd.argv[0] == cmd.program and \
        not (cmd.program == "printf" and cmd.args[:1] and cmd.args[0][:2] == "-v")
