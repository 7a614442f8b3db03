"""Issue 15: a settings change during a session that removes or weakens approvald's hooks is
blocked (ConfigChange) and reported; checked against the real files `approvald install
claude-code` writes. Real CLI, real daemon, real hook processes run by a stand-in agent."""

from __future__ import annotations

import copy
import json
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.agent import StandInAgent
from tests.support.daemon import RunningDaemon, env_for, run_raw
from tests.support.payloads import claude_config_change, claude_session_start

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="agent processes are read from /proc here")]

Settings = dict[str, Any]


class Machine:
    """A user with Claude Code settings that install wrote, user and project scope."""

    def __init__(self, exe: list[str], root: Path):
        self.exe = exe
        self.home = root / "home"
        self.project = root / "shop"
        self.home.mkdir()
        (self.project / ".claude").mkdir(parents=True)
        self.user_file = self.home / ".claude" / "settings.json"
        self.project_file = self.project / ".claude" / "settings.json"
        self.local_file = self.project / ".claude" / "settings.local.json"
        self.project_file.write_text(json.dumps({"permissions": {"allow": ["Bash(make)"]}}))

    def install(self, env: dict[str, str]) -> None:
        for args in (["install", "claude-code"],
                     ["install", "claude-code", "--scope", "project", "--project",
                      str(self.project)]):
            done = subprocess.run([*self.exe, *args], env=env, capture_output=True, text=True,
                                  timeout=60)
            assert done.returncode == 0, done.stderr
        self.installed = {p: json.loads(p.read_text()) for p in (self.user_file,
                                                                 self.project_file)}

    def restore(self) -> None:
        for path, data in self.installed.items():
            path.write_text(json.dumps(data, indent=2))
        self.local_file.unlink(missing_ok=True)


@pytest.fixture
def machine(approvald_exe: list[str], tmp_path: Path) -> Machine:
    return Machine(approvald_exe, tmp_path)


@pytest.fixture
def guarded(machine: Machine, approvald_exe: list[str],
            approvald_home: Path) -> Iterator[RunningDaemon]:
    env = {"HOME": str(machine.home)}
    machine.install(env_for(approvald_home, **env))
    daemon = RunningDaemon(approvald_exe, approvald_home, **env).start()
    try:
        yield daemon
    finally:
        daemon.ensure_stopped()


def _change(exe: list[str], env: dict[str, str], source: str, path: Path | None,
            cwd: Path, agent: StandInAgent | None = None) -> tuple[int, dict[str, Any] | None,
                                                                    str]:
    """Claude Code's ConfigChange hook, run by `agent` (the session's), or by a stand-in of
    its own."""
    payload = json.dumps(claude_config_change(source, str(path) if path else None,
                                              cwd=str(cwd))).encode()
    if agent is None:
        code, out, err = run_raw(exe, env, payload, event="ConfigChange")
    else:
        result = agent.start(" ".join(shlex.quote(p) for p in [*exe, "hook", "claude-code",
                                                               "ConfigChange"]),
                             stdin=payload).wait()
        code, out, err = int(result.code or 0), result.stdout, result.stderr
    return code, (json.loads(out) if out.strip() else None), err


def _edit(path: Path, change: Callable[[Settings], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def _ours(data: Settings, event: str) -> list[Any]:
    return [g for g in data["hooks"][event]
            if any("hook claude-code" in h["command"] for h in g["hooks"])]


def _drop_pre_tool_use(data: Settings) -> None:
    data["hooks"]["PreToolUse"] = [g for g in data["hooks"]["PreToolUse"]
                                   if g not in _ours(data, "PreToolUse")]


def _narrow(data: Settings) -> None:
    _ours(data, "PreToolUse")[0]["matcher"] = "Edit|Write"


def _short_timeout(data: Settings) -> None:
    _ours(data, "PreToolUse")[0]["hooks"][0]["timeout"] = 5


def _async_output(data: Settings) -> None:
    _ours(data, "PostToolUse")[0]["hooks"][0]["async"] = True


def _off(data: Settings) -> None:
    data["disableAllHooks"] = True


def _allow_more(data: Settings) -> None:
    data.setdefault("permissions", {}).setdefault("allow", []).append("Bash(npm test)")


WEAKENINGS = [
    ("user", _drop_pre_tool_use, "PreToolUse hook is removed"),
    ("user", _narrow, "no longer matches every tool"),
    ("user", _short_timeout, "timeout is lowered from 330 s to 5 s"),
    ("user", _async_output, "PostToolUse hook is made async"),
    ("project", _off, "disableAllHooks"),
    ("local", _off, "disableAllHooks"),
]


def test_weakening_changes_are_blocked_and_others_pass(guarded: RunningDaemon, machine: Machine,
                                                       tmp_path: Path) -> None:
    files = {"user": machine.user_file, "project": machine.project_file,
             "local": machine.local_file}
    with StandInAgent(guarded.env, tmp_path) as agent:
        start = agent.start(" ".join(shlex.quote(p) for p in [*guarded.exe, "hook",
                                                               "claude-code", "SessionStart"]),
                            stdin=json.dumps(claude_session_start(
                                cwd=str(machine.project))).encode())
        assert start.wait().code == 0
        for scope, change, why in WEAKENINGS:
            path = files[scope]
            if not path.exists():
                path.write_text("{}")
            _edit(path, change)
            code, out, err = _change(guarded.exe, guarded.env, f"{scope}_settings", path,
                                     machine.project, agent)
            assert code == 2, (scope, why, out, err)
            assert out is not None and out["decision"] == "block" and why in out["reason"], out
            # Touching the weakened file again does not make it pass.
            code, _, _ = _change(guarded.exe, guarded.env, f"{scope}_settings", path,
                                 machine.project, agent)
            assert code == 2, why
            machine.restore()

        # A change that leaves approvald's hooks as they were passes, and becomes the memory.
        _edit(machine.user_file, _allow_more)
        assert _change(guarded.exe, guarded.env, "user_settings", machine.user_file,
                       machine.project, agent)[:2] == (0, None)
        # Removing everything by uninstalling mid-session is a removal like any other.
        done = subprocess.run([*guarded.exe, "uninstall", "claude-code"], env=guarded.env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        code, out, err = _change(guarded.exe, guarded.env, "user_settings", None,
                                 machine.project, agent)
        assert code == 2 and out is not None and "PreToolUse hook is removed" in out["reason"]
        assert "PreToolUse hook is removed" in err  # where Claude Code reads a block's reason
        machine.restore()
        # Managed settings cannot be blocked: reported only. Skills are no settings file.
        managed = tmp_path / "managed-settings.json"
        managed.write_text(json.dumps({"disableAllHooks": True}))
        assert _change(guarded.exe, guarded.env, "policy_settings", managed,
                       machine.project, agent)[:2] == (0, None)
        assert _change(guarded.exe, guarded.env, "skills", None, machine.project,
                       agent)[:2] == (0, None)

    records = [json.loads(line) for line in guarded.paths.audit_file.read_text().splitlines()]
    changes = [r for r in records if r["event"] == "config.changed"]
    assert [r["blocked"] for r in changes] == [True] * 12 + [False, True, False]
    assert changes[-1]["source"] == "policy_settings" and changes[-1]["reasons"]


def test_without_a_daemon_what_the_file_says_on_its_own_counts(machine: Machine,
                                                               approvald_exe: list[str],
                                                               approvald_home: Path) -> None:
    env = env_for(approvald_home, HOME=str(machine.home))
    machine.install(env)
    installed = copy.deepcopy(machine.installed[machine.user_file])
    for change, blocked in ((_off, True), (_narrow, True), (_short_timeout, True),
                            (_async_output, True), (_allow_more, False),
                            # No memory of the file: a deleted entry cannot be told apart
                            # from one never installed (docs/HOOKS.md says so).
                            (_drop_pre_tool_use, False)):
        machine.user_file.write_text(json.dumps(installed))
        _edit(machine.user_file, change)
        code, out, err = _change(approvald_exe, env, "user_settings", machine.user_file,
                                 machine.project)
        assert (code == 2) is blocked, (change.__name__, out, err)
    machine.user_file.write_text("{ not json")
    code, out, _ = _change(approvald_exe, env, "user_settings", machine.user_file,
                           machine.project)
    assert code == 2 and out is not None and "not valid JSON" in out["reason"]
