"""Environment variables whose value is a command or a file of code, judged where they are set.

`GIT_PAGER='rm -rf ~' git log`, `export GIT_SSH_COMMAND=...`, `env EDITOR=... git commit`: the
value is analysed like `bash -c`. `BASH_ENV=/tmp/x bash -c ls` runs /tmp/x first: a file the line
wrote is looked into, any other file is dynamic (a person decides), as are libraries preloaded
into every program (`LD_PRELOAD`). `GIT_CONFIG_*` are git's (see `gitcmd.py`).
"""

from __future__ import annotations

from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer

COMMAND_VARIABLES = frozenset({
    "GIT_PAGER", "PAGER", "MANPAGER", "SYSTEMD_PAGER", "GH_PAGER", "GIT_SSH_COMMAND",
    "GIT_SSH", "GIT_EDITOR", "EDITOR", "VISUAL", "GIT_SEQUENCE_EDITOR", "GH_EDITOR",
    "KUBE_EDITOR", "GIT_ASKPASS", "SSH_ASKPASS", "SUDO_ASKPASS", "GIT_EXTERNAL_DIFF",
    "GIT_PROXY_COMMAND", "LESSOPEN", "LESSCLOSE", "BROWSER", "PROMPT_COMMAND",
    "FZF_DEFAULT_COMMAND", "RSYNC_RSH", "CVS_RSH",
})
CODE_FILE_VARIABLES = frozenset({"BASH_ENV", "ENV"})
PRELOAD_VARIABLES = frozenset({"LD_PRELOAD", "LD_AUDIT", "DYLD_INSERT_LIBRARIES",
                               "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR"})


def judge(an: Analyzer, assignments: list[tuple[str, Word]], scope: Scope, ctx: Ctx,
          site: Site) -> None:
    """Look into what command-holding variables among `assignments` would run."""
    from approvald.shell import scripts
    from approvald.shell.commands import run_argv, walk_nested

    for name, value in assignments:
        if name in COMMAND_VARIABLES:
            text = value.text.lstrip("|")  # LESSOPEN='|cmd %s'
            if not value.literal:
                an.note_dynamic(f"{name} holds a command only known at run time")
                run_argv(an, [Word(f"<{name}>", False)], [], scope, ctx, text=site.text,
                         cwd=site.cwd)
            elif text.strip():
                walk_nested(an, text, scope.copy(), ctx, f"{name}=", site)
        elif name in CODE_FILE_VARIABLES or name in PRELOAD_VARIABLES:
            if not value.text:
                continue
            content = scripts.written(an, value, site.cwd) if name in CODE_FILE_VARIABLES \
                else None
            if content is not None and content.literal:
                walk_nested(an, content.text, scope.copy(), ctx, f"{name}={value.text}", site)
                continue
            an.note_dynamic(f"{name}={value.text}: code from that file runs first")
            run_argv(an, [Word(f"<code loaded by {name}>", False)], [], scope, ctx,
                     text=site.text, cwd=site.cwd)


def split(assignments: list[str]) -> list[tuple[str, Word]]:
    """`NAME=value` texts as (name, value); a value with `$` or a backtick is not literal."""
    pairs = []
    for text in assignments:
        name, equals, value = text.partition("=")
        if equals:
            pairs.append((name.rstrip("+"), Word(value, "$" not in value and "`" not in value)))
    return pairs
