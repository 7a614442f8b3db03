"""Arguments a command only shows: the text `echo` and `printf` print to the terminal.

`echo approvald.db` reads nothing; it is no file argument for the policy's `path_arg` /
`read_arg`. That holds only while nothing can take the text back as a file name, so an argument
counts as shown when all of these hold:

- its command is the shell's own `echo` or `printf`, spelled so (`./echo` or `/bin/echo` is a
  program found on disk, `printf -v VAR` stores the text in a variable), run by the line itself
  (depth 0, no wrapper: `nohup` writes to nohup.out, `coproc` to a pipe), with no redirect of
  its own and feeding no pipe or substitution (`flows`);
- the shell does not expand it: an unquoted glob lists a directory (`echo ~/.ssh/*`);
- the line redirects no output into a file (`exec > list`, `{ echo NAME; } > list`, then
  `tar -T list`), has no syntax error and never reads `$_` (the last argument of the command
  before: `echo NAME; tar -T - <<< "$_"`) or an indirect name (`${!x}` with `x=_`);
- every other command of the line is a plain one at depth 0 with every argument known before it
  runs (no substitution, process substitution `> >(CMD)`, nested shell or trap can take the
  text), and none is a builtin that lists or binds variables (`set`, `declare -p _`,
  `declare -n r=_`), moves where later output goes (`exec`) or makes `echo` another program
  (`enable -n echo`).

Anywhere else the arguments are file arguments as before (errs towards looking at more).
"""

from __future__ import annotations

from approvald.shell.model import ShellAnalysis, SimpleCommand

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Sequence

PRINTERS = frozenset({"echo", "printf"})
# Builtins that list or bind the shell's variables (`$_` among them), redirect the shell or
# turn a builtin off (`enable -n echo` runs an `echo` found on the PATH).
_STATE_BUILTINS = frozenset({"exec", "set", "declare", "typeset", "local", "readonly", "export",
                             "fc", "history", "compgen", "enable"})
# What reads `$_` back: `$_`, `${_...}`, and `${!name}` (an indirect name can be `_`).
_READ_BACK = ("$_", "${_", "${!")
_NOTHING: dict[int, frozenset[int]] = {}


def shown_args(analysis: ShellAnalysis, commands: Sequence[SimpleCommand]
               ) -> dict[int, frozenset[int]]:
    """For each command of `commands` (the analysis's own first, then any the policy derived)
    whose arguments only reach the terminal: the indexes into its args that are shown text."""
    line = analysis.line
    if ("echo" not in line and "printf" not in line) or analysis.writes or \
            analysis.syntax_error:
        return _NOTHING  # (most lines print nothing; a spelling without the name: as before)
    if "\\\n" in line:
        line = line.replace("\\\n", "")  # a continued line: `$\<newline>_` is `$_`
    for text in _READ_BACK:
        if text in line:
            return _NOTHING
    own = analysis.commands
    found: dict[int, frozenset[int]] = {}
    for index, cmd in enumerate(own):
        if cmd.program not in PRINTERS or cmd.depth or cmd.wrappers or cmd.redirects or \
                cmd.argv[0] != cmd.program or not cmd.args or \
                (cmd.program == "printf" and cmd.args[0][:2] == "-v"):
            continue
        if analysis.flows and any(start <= index < end for start, end, _, _ in analysis.flows):
            continue  # piped or substituted: what it prints is another command's input
        shown = frozenset(range(len(cmd.args))) - cmd.glob_args
        if shown:
            found[index] = shown
    if found and not all(_inert(cmd) for i, cmd in enumerate(commands) if i not in found):
        return _NOTHING
    return found


def _inert(cmd: SimpleCommand) -> bool:
    """Whether `cmd` cannot take what another command printed back as a name."""
    return not cmd.depth and cmd.dynamic is None and not cmd.dynamic_args and \
        cmd.program not in _STATE_BUILTINS
