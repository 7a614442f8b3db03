"""approvald's OpenCode plugin, end to end: installed by the CLI, loaded by node as OpenCode
loads it, its `tool.execute.before` called against a real daemon. It returns only on an allow
and throws, which blocks the tool, on a deny and on every failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from approvald.install import opencode
from tests.support.daemon import RunningDaemon, cli_argv, env_for
from tests.support.opencode import call_plugin, finish_plugin_call, start_plugin_call

pytestmark = pytest.mark.e2e


def installed(exe: list[str], env: dict[str, str], project: Path) -> Path:
    done = subprocess.run([*exe, "install", "opencode", "--scope", "project", "--project",
                           str(project)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    plugin = project / ".opencode" / "plugins" / "approvald.js"
    assert plugin.is_file()
    return plugin


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "proj").mkdir()
    return tmp_path / "proj"


def test_a_denied_command_throws_with_the_rules_reason_and_an_allowed_one_returns(
        daemon: RunningDaemon, project: Path, tmp_path: Path) -> None:
    env = {**daemon.env, "HOME": str(tmp_path)}
    plugin = installed(daemon.exe, env, project)
    allowed = call_plugin(plugin, "bash", {"command": "ls -la", "description": "list"}, project,
                          env)
    assert allowed["allowed"] is True, allowed
    assert allowed["exports"] == ["ApprovaldPlugin"]  # OpenCode starts every export
    denied = call_plugin(plugin, "read", {"filePath": str(project / ".env")}, project, env)
    assert denied["allowed"] is False and denied["is_error"] is True, denied
    assert denied["error"].startswith("approvald: ") and "secret" in denied["error"]
    rm = call_plugin(plugin, "bash", {"command": "rm -rf ~", "workdir": str(project)}, project,
                     env)
    assert rm["allowed"] is False, rm
    audit = daemon.cli("audit", "tail", "--json", "-n", "20")
    assert audit.returncode == 0, audit.stderr
    agents = {json.loads(line).get("agent") for line in audit.stdout.splitlines() if line}
    assert "opencode" in agents, audit.stdout


def test_a_gated_command_waits_for_the_person(daemon: RunningDaemon, project: Path,
                                              tmp_path: Path) -> None:
    env = {**daemon.env, "HOME": str(tmp_path)}
    plugin = installed(daemon.exe, env, project)
    sid = f"ses_{uuid.uuid4().hex[:10]}"
    proc = start_plugin_call(plugin, "bash", {"command": "git push origin main"}, project, env,
                             sid)
    try:
        [item] = [a for a in daemon.wait_pending() if a["session_id"] == sid]
        assert item["agent"] == "opencode" and item["summary"] == "git push origin main"
        assert proc.poll() is None  # OpenCode's tool waits on the plugin
        done = daemon.cli("approvals", "deny", item["id"], "--reason", "not on main")
        assert done.returncode == 0, done.stderr
        result = finish_plugin_call(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert result["allowed"] is False and "not on main" in result["error"], result


def _plugin(project: Path, argv: list[str], timeout_s: int = 30) -> Path:
    outcome = opencode.install("project", project, argv=argv, timeout=timeout_s)
    return outcome.file


def _script(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / f"hook-{uuid.uuid4().hex[:6]}.py"
    script.write_text(body)
    return [sys.executable, str(script)]


@pytest.mark.parametrize(("body", "words"), [
    ("print('{\"decision\": \"allow\"')", "not understood"),  # cut short
    ("print('yes')", "not understood"),
    ("print('[\"allow\"]')", "not understood"),
    ("print('{\"decision\": \"ask\"}')", "not understood"),
    ("import sys; print('{\"decision\": \"allow\"}'); sys.exit(1)", "exit 1"),
    ("import sys; sys.stderr.write('boom'); sys.exit(2)", "boom"),
    ("import sys; sys.stdout.write('x' * 2_000_000)", "too long"),
])
def test_any_other_answer_throws(tmp_path: Path, project: Path, body: str,
                                 words: str) -> None:
    plugin = _plugin(project, _script(tmp_path, body))
    result = call_plugin(plugin, "bash", {"command": "ls"}, project, dict(os.environ))
    assert result["allowed"] is False and result["is_error"] is True, result
    assert words in result["error"]


def test_the_answer_it_reads_is_the_hooks_own(tmp_path: Path, project: Path) -> None:
    """The control for the cases above: the same script answering allow lets the tool run."""
    plugin = _plugin(project, _script(tmp_path, "print('{\"decision\": \"allow\"}')"))
    result = call_plugin(plugin, "bash", {"command": "ls"}, project, dict(os.environ))
    assert result["allowed"] is True, result


def test_no_approvald_throws(tmp_path: Path, project: Path) -> None:
    plugin = _plugin(project, [str(tmp_path / "nowhere" / "approvald"), "hook", "opencode"])
    result = call_plugin(plugin, "bash", {"command": "ls"}, project, dict(os.environ))
    assert result["allowed"] is False and "cannot run" in result["error"], result


def test_its_own_timeout_throws(tmp_path: Path, project: Path) -> None:
    plugin = _plugin(project, _script(tmp_path, "import time; time.sleep(120)"), timeout_s=1)
    result = call_plugin(plugin, "bash", {"command": "ls"}, project, dict(os.environ))
    assert result["allowed"] is False and "no answer within 1 s" in result["error"], result


def test_no_daemon_decides_locally(approvald_home: Path, project: Path, tmp_path: Path) -> None:
    env = {**env_for(approvald_home), "HOME": str(tmp_path)}
    plugin = installed(cli_argv(), env, project)
    assert call_plugin(plugin, "bash", {"command": "ls"}, project, env)["allowed"] is True
    gated = call_plugin(plugin, "bash", {"command": "git push origin main"}, project, env)
    assert gated["allowed"] is False and gated["error"].startswith("approvald"), gated
