"""Shared helpers for the shell analysis tests."""

from __future__ import annotations

from approvald.shell import ShellAnalysis, SimpleCommand, analyze

CWD = "/repo"
HOME = "/home/u"


def run(line: str, home: str | None = HOME, cwd: str = CWD) -> ShellAnalysis:
    return analyze(line, cwd, home)


def programs(analysis: ShellAnalysis) -> list[str]:
    return [command.program for command in analysis.commands]


def show(analysis: ShellAnalysis) -> str:
    rows = [f"{c.program} {c.args} cwd={c.cwd} wrappers={c.wrappers} dynamic={c.dynamic} "
            f"depth={c.depth} via={c.via!r}" for c in analysis.commands]
    return "\n".join(rows) or "(no commands)"


def one(analysis: ShellAnalysis, program: str, subcommand: str | None = None) -> SimpleCommand:
    """The single command with this program (and subcommand); fails when not exactly one."""
    found = [c for c in analysis.commands
             if c.program == program and (subcommand is None or c.subcommand == subcommand)]
    assert len(found) == 1, f"expected one {program} {subcommand or ''} in:\n{show(analysis)}"
    return found[0]


def has_git_push(analysis: ShellAnalysis) -> bool:
    return any(c.program == "git" and c.args[:1] == ("push",) for c in analysis.commands)
