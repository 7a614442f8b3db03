"""An action as the targets its policy's rules are matched against (see `targets.py`)."""

from __future__ import annotations

import re

from approvald import shell
from approvald.model.actions import Action, normalize_path
from approvald.model.kinds import FS_READ, FS_WRITE, MCP_CALL, NET_HTTP, PROCESS_EXEC
from approvald.policy import detectors
from approvald.policy.decision import Match
from approvald.policy.expand import expand
from approvald.policy.targets import Target
from approvald.shell.model import ShellAnalysis, SimpleCommand

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any


def action_targets(action: Action, home: str) -> tuple[list[Target], ShellAnalysis | None]:
    """What the rules are matched against for `action`: for a shell line, each simple command
    (expanded ones too) and the line as a whole; else one target for the tool call (and one
    for a `file:` URL it reads, and those of an MCP call's arguments that are actions)."""
    if action.kind == PROCESS_EXEC and action.command is not None:
        return _shell_targets(action, action.command, action.cwd or home, home)
    paths = action.paths
    content: tuple[str, ...] = ()
    if action.kind == FS_READ:
        paths = paths + _search_globs(action)
    elif action.kind == FS_WRITE:
        content = _written_content(action.input)
    mcp_args: tuple[tuple[str, str], ...] = ()
    if action.kind == MCP_CALL:
        from approvald.policy import mcp  # only for MCP calls: its patterns cost the hook

        mcp_args = tuple(mcp.flatten(mcp.arguments(action)))
    target = Target(
        kind=action.kind, tool=action.tool, home=home, text=action.summary,
        paths=paths,
        base_reads=paths if action.kind == FS_READ else (),
        base_writes=paths if action.kind == FS_WRITE else (),
        url=action.url, method=_method(action) if action.kind == NET_HTTP else None,
        mcp_server=action.mcp_server, mcp_tool=action.mcp_tool,
        mcp_args=mcp_args,
        content=content,
    )
    targets = [target]
    analysis = None
    if action.url and action.url.lower().startswith("file:"):
        path = normalize_path(action.url.split(":", 1)[1].lstrip("/").join(["/", ""]), "")
        targets.append(Target(kind=FS_READ, tool=action.tool, home=home, text=action.url,
                              paths=(path,), base_reads=(path,)))
    if action.kind == MCP_CALL:
        from approvald.policy import mcp

        for derived in mcp.argument_actions(action):
            found, found_analysis = action_targets(derived, home)
            for each in found:
                each.text = f"{action.summary}: {each.text}"
            targets += found
            analysis = analysis or found_analysis
    return targets, analysis

def _shell_targets(action: Action, line: str, cwd: str, home: str
                   ) -> tuple[list[Target], ShellAnalysis]:
    analysis = shell.analyze(line, cwd, home)
    commands = list(analysis.commands)
    commands += expand(commands, home)
    # (by position, in field order: matching keywords was some 40% of building a target)
    targets = [
        Target(PROCESS_EXEC, action.tool, command_text(cmd), home, cmd,
               tuple([r.path for r in cmd.redirects if r.mode == "read"])  # base_reads
               if cmd.redirects else (),
               tuple([r.path for r in cmd.redirects if r.mode == "write"])  # base_writes
               if cmd.redirects else ())
        for cmd in commands
    ]
    if "echo" in line or "printf" in line:  # `echo NAME`: text, not a file argument
        from approvald.shell.shown import shown_args  # (imported for such lines only)

        for index, shown in shown_args(analysis, commands).items():
            targets[index].shown = shown
    targets.append(Target(
        PROCESS_EXEC, action.tool, line, home,
        None,  # command: the line as a whole
        analysis.reads, analysis.writes,
        True,  # line_level
        tuple([text for _, text, _ in analysis.written if text])  # content
        if analysis.written else (),
        detectors.line_findings(analysis, commands),  # findings
        detectors.pipes_download_to_shell(commands),  # pipe_to_shell
        detectors.is_fork_bomb(line, commands),  # fork_bomb
        analysis.syntax_error,
    ))
    return targets, analysis


def _search_globs(action: Action) -> tuple[str, ...]:
    """A search tool's `glob` / `include` filter names the files it reads (`**/.env*`)."""
    found = []
    for key in ("glob", "include"):
        value = action.input.get(key)
        if isinstance(value, str) and value:
            for root in action.paths or (action.cwd,):
                for pattern in _brace_alternatives(value):
                    found.append(normalize_path(pattern if pattern.startswith(("/", "~"))
                                                else f"{root}/**/{pattern}", action.cwd))
    return tuple(found)


def _brace_alternatives(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    return [pattern[:match.start()] + alt + pattern[match.end():]
            for alt in match.group(1).split(",")][:32]


def _written_content(tool_input: dict[str, Any]) -> tuple[str, ...]:
    """The text a file tool writes: Write's content, Edit's new_string, MultiEdit's edits."""
    found = [tool_input.get(k) for k in ("content", "new_string", "new_source", "text")]
    edits = tool_input.get("edits")
    if isinstance(edits, list):
        found += [e.get("new_string") for e in edits if isinstance(e, dict)]
    return tuple(text for text in found if isinstance(text, str) and text)


def _method(action: Action) -> str:
    method = action.input.get("method")
    return method.upper() if isinstance(method, str) and method else "GET"


def command_text(cmd: SimpleCommand) -> str:
    """The command as written, else its words quoted as a shell reads them back."""
    if cmd.text:
        return cmd.text
    import shlex  # here, not at the top: most commands keep their text, and the hook a module

    return shlex.join(cmd.argv)



def describe(commands: list[SimpleCommand], matches: list[Match]) -> list[dict[str, Any]]:
    """Every command found (expanded ones too: `npm run x`'s script), for `policy explain`."""
    described = []
    for cmd in commands:
        text = command_text(cmd)
        described.append({
            "argv": list(cmd.argv),
            "program": cmd.program,
            "args": list(cmd.args),
            "cwd": cmd.cwd,
            "wrappers": list(cmd.wrappers),
            "via": cmd.via,
            "dynamic": cmd.dynamic,
            "redirects": [{"path": r.path, "mode": r.mode} for r in cmd.redirects],
            "matched": [m.rule for m in matches if m.target == text],
        })
    return described

