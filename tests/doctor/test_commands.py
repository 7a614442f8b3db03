from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from approvald.doctor.commands import (
    matcher_covers,
    parse_approvald_hook,
    program_name,
    resolve_program,
    split_command,
)


def test_split_keeps_windows_backslashes() -> None:
    cmd = '"C:\\Program Files\\approvald\\approvald.exe" hook claude-code'
    assert split_command(cmd) == ["C:\\Program Files\\approvald\\approvald.exe", "hook",
                                  "claude-code"]
    assert split_command("C:\\Users\\dev\\approvald.exe hook codex")[0] == (
        "C:\\Users\\dev\\approvald.exe"
    )
    assert split_command("a 'b c' \"d \\\" e\" ''") == ["a", "b c", 'd " e', ""]


@pytest.mark.parametrize(
    ("command", "program", "agent"),
    [
        ("approvald hook claude-code", "approvald", "claude-code"),
        ("/Users/dev/.local/bin/approvald hook claude-code", "/Users/dev/.local/bin/approvald",
         "claude-code"),
        ('"C:\\Users\\dev\\Scripts\\approvald.exe" hook claude-code',
         "C:\\Users\\dev\\Scripts\\approvald.exe", "claude-code"),
        ("python3 -m approvald hook gemini", "python3", "gemini"),
        ("APPROVALD_HOME=/x approvald hook cursor", "approvald", "cursor"),
        ("env APPROVALD_HOME=/x approvald hook codex", "approvald", "codex"),
        ("uvx approvald hook claude-code", "uvx", "claude-code"),
    ],
)
def test_recognises_approvald_hooks(command: str, program: str, agent: str) -> None:
    parsed = parse_approvald_hook(command)
    assert parsed is not None
    assert (parsed.program, parsed.agent) == (program, agent)


@pytest.mark.parametrize(
    "command",
    ["approvald-lint hook claude-code", "approvald status", "echo approvald hook claude-code",
     "npx prettier --write", "", "python3 -m approvaldx hook claude-code"],
)
def test_other_commands_are_not_approvald(command: str) -> None:
    assert parse_approvald_hook(command) is None


def test_recognises_the_fast_entry() -> None:
    parsed = parse_approvald_hook("'/v v/bin/python' -I -S /v/lib/approvald/hook/entry.py "
                                  "hook codex")
    assert parsed is not None
    assert (parsed.program, parsed.script, parsed.agent) == (
        "/v v/bin/python", "/v/lib/approvald/hook/entry.py", "codex")
    assert parse_approvald_hook("python3 -I /v/lib/other/entry.py hook codex") is None


def test_exec_form_args() -> None:
    parsed = parse_approvald_hook("/opt/approvald", ["hook", "claude-code"])
    assert parsed is not None and parsed.program == "/opt/approvald"


def test_program_name() -> None:
    assert program_name("C:\\x\\Approvald.EXE") == "approvald"
    assert program_name("/usr/bin/python3") == "python3"


def _exe(path: Path, mode: int = 0o755) -> Path:
    path.write_text("#!/bin/sh\n")
    os.chmod(path, mode)
    return path


def test_resolve_absolute_relative_and_path(tmp_path: Path) -> None:
    home, project = tmp_path / "home", tmp_path / "proj"
    (home / "bin").mkdir(parents=True)
    (project / "tools").mkdir(parents=True)
    good = _exe(home / "bin" / "approvald")
    assert resolve_program(str(good), home=home, project=project) == (str(good), "")
    assert resolve_program("~/bin/approvald", home=home, project=project)[0] == str(good)
    assert resolve_program("$HOME/bin/approvald", home=home, project=project)[0] == str(good)
    rel = _exe(project / "tools" / "approvald")
    assert resolve_program("$CLAUDE_PROJECT_DIR/tools/approvald", home=home,
                           project=project)[0] == str(rel)
    assert resolve_program("tools/approvald", home=home, project=project)[0] == str(rel)
    found, _ = resolve_program("approvald", home=home, project=project,
                               env_path=str(home / "bin"))
    assert found == str(good)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_resolve_failures_say_why(tmp_path: Path) -> None:
    noexec = _exe(tmp_path / "approvald", 0o644)
    assert not noexec.stat().st_mode & stat.S_IXUSR
    found, why = resolve_program(str(noexec), home=tmp_path, project=None)
    assert found is None and "not executable" in why
    found, why = resolve_program(str(tmp_path / "gone"), home=tmp_path, project=None)
    assert found is None and "does not exist" in why
    found, why = resolve_program("approvald", home=tmp_path, project=None, env_path="/nonexist")
    assert found is None and "not on PATH" in why
    found, why = resolve_program("C:\\Users\\dev\\approvald.exe", home=tmp_path, project=None)
    assert found is None and "Windows path" in why and "C:\\Users\\dev\\approvald.exe" in why
    found, why = resolve_program("$NO_SUCH_VAR_X/approvald", home=tmp_path, project=None)
    assert found is None and "NO_SUCH_VAR_X" in why


@pytest.mark.parametrize(
    ("matcher", "tool", "covers"),
    [
        (None, "Bash", True), ("", "Bash", True), ("*", "Write", True),
        ("Bash", "Bash", True), ("Bash", "BashOutput", False),
        ("Bash|Write", "Write", True), ("Edit, Write", "Write", True),
        ("Edit|Write", "Bash", False), ("Notebook.*", "NotebookEdit", True),
        ("mcp__.*", "mcp__fs__read", True), ("mcp__.*", "Bash", False),
        ("(", "Bash", False), (42, "Bash", False),
    ],
)
def test_matcher_semantics(matcher: object, tool: str, covers: bool) -> None:
    assert matcher_covers(matcher, tool) is covers
