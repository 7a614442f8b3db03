"""The hook as `approvald install` writes it (`python -I -S .../approvald/hook/entry.py hook
AGENT`), as real processes: whatever goes wrong on its fast path ends in a block or in the
full path's answer, never in silence, and a request the daemon got is never sent twice."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.install import is_hook_entry
from approvald.install.hookcommand import hook_command
from tests.support.canned import CannedDaemon, proven, unproven
from tests.support.daemon import cli_argv, env_for, hook_payload
from tests.support.payloads import bash_response, claude_post_tool_use

LS = hook_payload("ls")


def installed(agent: str = "claude-code") -> list[str]:
    words = shlex.split(hook_command(agent))
    assert words[1:3] == ["-I", "-S"] and is_hook_entry(words[3])
    return words


def run(argv: list[str], home: Path, stdin: bytes = LS,
        stdout: int = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, input=stdin, env=env_for(home), stdout=stdout,
                          stderr=subprocess.PIPE, timeout=60)


def local_records(home: Path) -> list[dict[str, object]]:
    path = home / "audit" / "audit.jsonl"
    if not path.exists():
        return []
    return [r for r in map(json.loads, path.read_text().splitlines()) if r.get("mode") == "local"]


@pytest.fixture
def canned(approvald_home: Path) -> Iterator[list[CannedDaemon]]:
    started: list[CannedDaemon] = []
    yield started
    for daemon in started:
        daemon.close()


def test_a_proven_answer_is_printed_as_it_came(approvald_home: Path, canned: list[
        CannedDaemon]) -> None:
    body = b'{"hookSpecificOutput": {"permissionDecision": "deny"}}'
    canned.append(CannedDaemon(approvald_home, proven(body, exit_code="2")))
    proc = run(installed(), approvald_home)
    assert (proc.returncode, proc.stdout) == (2, body + b"\n")
    assert canned[0].requests[0].startswith(b"POST /v1/hook/claude-code HTTP/1.1\r\n")
    assert canned[0].requests[0].endswith(b"\r\n\r\n" + LS)  # the payload as the agent sent it


@pytest.mark.parametrize("answer", [
    unproven(b'{"hookSpecificOutput": {"permissionDecision": "allow"}}'),
    lambda request: None,  # the connection closes without a word
    lambda request: b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n{",  # cut short
])
def test_an_answer_not_proven_whole_is_no_daemon_and_is_not_sent_again(
        approvald_home: Path, canned: list[CannedDaemon], answer: object) -> None:
    canned.append(CannedDaemon(approvald_home, answer))  # type: ignore[arg-type]
    proc = run(installed(), approvald_home, hook_payload("git push origin main"))
    assert proc.returncode == 0
    out = json.loads(proc.stdout)["hookSpecificOutput"]
    assert out["permissionDecision"] == "ask"  # the local check: no person to reach
    assert "no daemon" in out["permissionDecisionReason"]
    assert len(canned[0].requests) == 1
    assert [r["summary"] for r in local_records(approvald_home)] == ["git push origin main"]


def test_a_refusal_is_a_deny_and_stopping_is_local(approvald_home: Path,
                                                   canned: list[CannedDaemon]) -> None:
    canned.append(CannedDaemon(approvald_home, proven(b'{"error": "no such agent"}', 400, "")))
    proc = run(installed(), approvald_home)
    out = json.loads(proc.stdout)["hookSpecificOutput"]
    assert out["permissionDecision"] == "deny" and "no such agent" in out[
        "permissionDecisionReason"]
    canned[0].answer = proven(b'{"error": "daemon stopping"}', 503, "")
    proc = run(installed(), approvald_home)
    assert (proc.returncode, proc.stdout) == (0, b"")  # `ls`, allowed by the local check
    assert len(local_records(approvald_home)) == 1 and len(canned[0].requests) == 2


def test_no_daemon_decides_locally(approvald_home: Path) -> None:
    proc = run(installed("codex"), approvald_home, hook_payload("cat .env"))
    out = json.loads(proc.stdout)["hookSpecificOutput"]
    assert out["permissionDecision"] == "deny"
    assert len(local_records(approvald_home)) == 1


@pytest.mark.parametrize("args", [[], ["hook"], ["claude-code"], ["hook", "a", "b", "c"]])
def test_wrong_arguments_block(approvald_home: Path, args: list[str]) -> None:
    proc = run([*installed()[:4], *args], approvald_home)
    assert proc.returncode == 2 and b"usage" in proc.stderr


def test_an_unknown_agent_blocks(approvald_home: Path) -> None:
    proc = run([*installed()[:4], "hook", "nope"], approvald_home)
    assert proc.returncode == 2 and b"unknown agent" in proc.stderr


def test_an_unknown_event_blocks(approvald_home: Path) -> None:
    proc = run([*installed()[:4], "hook", "claude-code", "Nope"], approvald_home)
    assert proc.returncode == 2 and b"no hook event 'Nope'" in proc.stderr


def test_another_event_is_answered_by_the_full_runner(approvald_home: Path) -> None:
    """`hook AGENT EVENT` (what install writes for the events besides the decision) answers as
    `approvald hook AGENT EVENT` does: here, no daemon, a tool's output with a token in it
    redacted locally."""
    secret = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    payload = json.dumps(claude_post_tool_use(
        "Bash", {"command": "env"}, bash_response(f"TOKEN={secret}\n"))).encode()
    fast = run(shlex.split(hook_command("claude-code", event="PostToolUse")), approvald_home,
               payload)
    full = run([*cli_argv(), "hook", "claude-code", "PostToolUse"], approvald_home, payload)
    assert (fast.returncode, fast.stdout) == (full.returncode, full.stdout)
    assert fast.stdout and secret.encode() not in fast.stdout, fast.stderr


def test_an_entry_that_cannot_load_approvald_blocks(approvald_home: Path,
                                                    tmp_path: Path) -> None:
    words = installed()
    lonely = tmp_path / "approvald" / "hook" / "entry.py"  # no package beside it
    lonely.parent.mkdir(parents=True)
    shutil.copy(words[3], lonely)
    proc = run([*words[:3], str(lonely), "hook", "claude-code"], approvald_home)
    assert proc.returncode == 2
    assert b"cannot load approvald" in proc.stderr and b"approvald install" in proc.stderr


@pytest.mark.parametrize("event", ["PostToolUse", "PostToolUseFailure"])
def test_an_entry_that_cannot_load_approvald_ends_the_turn_after_a_tool(
        approvald_home: Path, tmp_path: Path, event: str) -> None:
    """After a tool has run, exit 2 would only show the reason: the output would reach the model
    unchecked. The event's own fail-closed answer ends the turn instead (docs/HOOKS.md)."""
    words = installed()
    lonely = tmp_path / "approvald" / "hook" / "entry.py"
    lonely.parent.mkdir(parents=True)
    shutil.copy(words[3], lonely)
    proc = run([*words[:3], str(lonely), "hook", "claude-code", event], approvald_home)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["continue"] is False and "cannot load approvald" in out["stopReason"]


def test_a_missing_entry_blocks(approvald_home: Path, tmp_path: Path) -> None:
    """What an upgrade that moved the package leaves: Python's own exit 2, with the reason on
    stderr, which every agent reads as a block (the doctor reports it; install mends it)."""
    words = installed()
    proc = run([*words[:3], str(tmp_path / "gone" / "approvald" / "hook" / "entry.py"),
                *words[4:]], approvald_home)
    assert proc.returncode == 2 and proc.stderr.strip()


@pytest.mark.skipif(sys.platform == "win32", reason="a closed pipe reads differently there")
def test_a_closed_stdout_blocks(approvald_home: Path, canned: list[CannedDaemon]) -> None:
    canned.append(CannedDaemon(approvald_home, proven(
        b'{"hookSpecificOutput": {"permissionDecision": "deny"}}')))
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = run(installed(), approvald_home, stdout=write_end)
    finally:
        os.close(write_end)
    assert proc.returncode == 2 and b"could not answer" in proc.stderr


@pytest.mark.parametrize(("event", "ends_turn"), [("PostToolUse", True), (None, False)])
def test_a_failure_inside_the_runner_fails_closed_for_its_event(approvald_home: Path,
                                                                event: str | None,
                                                                ends_turn: bool) -> None:
    # Whatever escapes the runner itself: after a tool ran, exit 2 would only show the reason
    # (the output would reach the model), so those events end the turn instead.
    entry = installed()[3]
    args = ["hook", "claude-code", *([event] if event else [])]
    code = (f"import runpy, sys; sys.argv = [{entry!r}]; ns = runpy.run_path({entry!r}, "
            f"run_name='entry'); ns['_run'].__globals__['_run'] = None; "
            f"ns['main']({args!r})")
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", code], input=b"{}",
                          capture_output=True, timeout=60)
    if ends_turn:
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["continue"] is False
    else:
        assert proc.returncode == 2 and b"the hook failed" in proc.stderr
