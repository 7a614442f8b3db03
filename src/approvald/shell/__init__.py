"""Shell analysis: every simple command a shell line would run, seen through wrappers and quoting.

`analyze(line, cwd, home)` returns a `ShellAnalysis` (see `model.py`); the tree-sitter parser is
imported only when `analyze` is first called, so importing this package stays cheap.

What the fields mean beyond `model.py`:
- Nested commands (`bash -c`, `eval`, `$(...)`, `<(...)`, here-documents fed to a shell,
  `xargs`, `find -exec`, `watch`, `trap`, aliases) have `depth` >= 1 and `via` saying how
  they were reached; a shell or `eval` is reported itself too, before what it runs.
- `dynamic_args` may hold `len(args)`: xargs appends arguments only known at run time. The
  names a finder prints, read from input or a file by xargs, `read` or an archiver (`tar -T
  -`, `cpio -o`, `zip -@`, `sort --files0-from=-`), are the argument `$(find ARGS)`
  (`namelists.py`).
- `reads` / `writes` also list files named to `source` / `.`, a shell's script file,
  `xargs -a`, `time -o` and `find -fprint`.
- Whatever could not be analyzed (nesting, count or size limits, a grammar surprise) is
  reported as a command with program `<unanalyzed>` and dynamic=DYNAMIC_NAME plus a sentence in
  `dynamic`, so a policy that asks about dynamic commands asks about it.
- Launchers (`launchers.py`, `sessions.py`, `containers.py`, `runners.py`), git's indirections
  (`gitcmd.py`), variables that hold commands (`envcmds.py`), scheduled and written scripts
  (`scripts.py`), interpreter code (`interpreters.py`, its option tables in `interpspecs.py`,
  `code/`) and the values arithmetic evaluates (`arith.py`: `x='a[$(cmd)]'; (( x ))` runs
  cmd) are looked into; what a command's arguments read and write is
  `fileargs.file_args(command, home)`.
- `flows` says which commands feed their output to which (pipes, substitutions); `written`
  lists files the line writes with their content when known; `findings` on a command are what
  interpreter code was seen to do (reverse shell, TIOCSTI, keyring read, ...).
- `program` is lowercased with `.exe` dropped (case-insensitive file systems run `GIT`).
- `shown.shown_args(analysis, commands)` names the `echo` / `printf` arguments that only reach
  the terminal: text, not file names, for the policy's `path_arg` / `read_arg`.
"""

from __future__ import annotations

from functools import lru_cache

from approvald.shell.model import (
    DYNAMIC_ARGS,
    DYNAMIC_NAME,
    Redirect,
    ShellAnalysis,
    SimpleCommand,
)

__all__ = ["DYNAMIC_ARGS", "DYNAMIC_NAME", "Redirect", "ShellAnalysis", "SimpleCommand",
           "analyze"]

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

_CACHE_LIMIT = 4096  # lines longer than this are not cached (results are immutable)


def analyze(line: str, cwd: str, home: str | None = None) -> ShellAnalysis:
    """Analyze one shell line as bash would run it in `cwd`. Never raises."""
    if not isinstance(line, str):
        line = str(line)
    if len(line) <= _CACHE_LIMIT:
        return _cached(line, cwd, home)
    return _analyze(line, cwd, home)


@lru_cache(maxsize=2048)
def _cached(line: str, cwd: str, home: str | None) -> ShellAnalysis:
    return _analyze(line, cwd, home)


_analyzer: Any = None  # walk.Analyzer, imported on the first line (an import per line costs)


def _analyze(line: str, cwd: str, home: str | None) -> ShellAnalysis:
    global _analyzer
    try:
        if _analyzer is None:
            from approvald.shell.walk import Analyzer

            _analyzer = Analyzer
        return _analyzer(line, cwd, home).run()
    except Exception as error:  # never let a parser surprise reach the policy engine
        return _failed(line, cwd, error)


def _failed(line: str, cwd: str, error: Exception) -> ShellAnalysis:
    reason = f"the shell analysis failed ({type(error).__name__}); treat the line as unknown"
    command = SimpleCommand(argv=("<unanalyzed>",), program="<unanalyzed>", args=(), cwd=cwd,
                            dynamic=DYNAMIC_NAME, text=line[:200])
    return ShellAnalysis(line=line, commands=(command,), dynamic=(reason,), syntax_error=True)
