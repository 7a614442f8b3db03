"""Real `approvald hook claude-code` processes against a real daemon (and without one)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support.daemon import (
    RunningDaemon,
    env_for,
    finish_hook,
    hook_payload,
    run_hook,
    start_hook,
)

pytestmark = pytest.mark.e2e

PUSH = "git push origin main"


def _audit_events(home: Path) -> list[dict[str, object]]:
    path = home / "audit" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_allowed_action_passes_with_no_opinion(daemon: RunningDaemon) -> None:
    code, out, _ = run_hook(daemon.exe, daemon.env, hook_payload("ls -la"))
    assert (code, out) == (0, None)


def test_denied_action_is_refused_with_the_reason(daemon: RunningDaemon) -> None:
    code, out, _ = run_hook(daemon.exe, daemon.env, hook_payload("cat .env"))
    assert code == 0 and out is not None
    assert out["permissionDecision"] == "deny"
    assert out["permissionDecisionReason"]
    code, out, _ = run_hook(daemon.exe, daemon.env, hook_payload(
        tool="Read", tool_input={"file_path": "/tmp/.env"}))
    assert out is not None and out["permissionDecision"] == "deny"


def test_approve_from_the_cli_lets_the_waiting_hook_through(daemon: RunningDaemon) -> None:
    hook = start_hook(daemon.exe, daemon.env, hook_payload(PUSH))
    pending = daemon.wait_pending()
    assert len(pending) == 1 and pending[0]["summary"] == PUSH
    assert hook.poll() is None  # still waiting for a person
    approve = daemon.cli("approvals", "approve", pending[0]["id"])
    assert approve.returncode == 0, approve.stderr
    code, out = finish_hook(hook)
    assert code == 0 and out is not None and out["permissionDecision"] == "allow"
    assert pending[0]["id"] in out["permissionDecisionReason"]
    decided = daemon.client().approval(pending[0]["id"])
    assert decided["status"] == "approved" and decided["decided_by"] == "cli"
    assert decided["used_at"] is not None
    events = [e["event"] for e in _audit_events(daemon.home)]
    assert {"decision", "approval.requested", "approval.decided"} <= set(events)


def test_deny_with_reason_reaches_the_agent(daemon: RunningDaemon) -> None:
    hook = start_hook(daemon.exe, daemon.env, hook_payload(PUSH))
    pending = daemon.wait_pending()
    result = daemon.cli("approvals", "deny", pending[0]["id"], "--reason",
                        "run the tests first")
    assert result.returncode == 0, result.stderr
    code, out = finish_hook(hook)
    assert code == 0 and out is not None and out["permissionDecision"] == "deny"
    assert "run the tests first" in out["permissionDecisionReason"]


def test_an_approval_is_used_once(daemon: RunningDaemon) -> None:
    hook = start_hook(daemon.exe, daemon.env, hook_payload(PUSH))
    first = daemon.wait_pending()[0]
    assert daemon.cli("approvals", "approve", first["id"]).returncode == 0
    assert finish_hook(hook)[1]["permissionDecision"] == "allow"
    # The very same action again: a new approval, not a replay of the first.
    again = start_hook(daemon.exe, daemon.env, hook_payload(PUSH))
    second = daemon.wait_pending()[0]
    assert second["id"] != first["id"] and second["fingerprint"] == first["fingerprint"]
    assert again.poll() is None
    assert daemon.cli("approvals", "deny", second["id"]).returncode == 0
    assert finish_hook(again)[1]["permissionDecision"] == "deny"


def test_session_scope_admits_the_same_action_in_that_session(daemon: RunningDaemon) -> None:
    hook = start_hook(daemon.exe, daemon.env, hook_payload(PUSH))
    first = daemon.wait_pending()[0]
    assert daemon.cli("approvals", "approve", first["id"], "--session").returncode == 0
    assert finish_hook(hook)[1]["permissionDecision"] == "allow"
    for _ in range(2):
        started = time.monotonic()
        _code, out, _ = run_hook(daemon.exe, daemon.env, hook_payload(PUSH), timeout=20)
        assert out is not None and out["permissionDecision"] == "allow"
        assert time.monotonic() - started < 10
    assert daemon.client().approvals() == []
    # Another session, or another command, needs its own approval.
    other = start_hook(daemon.exe, daemon.env, hook_payload(PUSH, session="sess-2"))
    pending = daemon.wait_pending()
    assert pending[0]["session_id"] == "sess-2"
    assert daemon.cli("approvals", "deny", pending[0]["id"]).returncode == 0
    assert finish_hook(other)[1]["permissionDecision"] == "deny"


def test_no_decision_in_time_is_a_deny(approvald_exe: list[str], approvald_home: Path) -> None:
    running = RunningDaemon(approvald_exe, approvald_home,
                            APPROVALD_APPROVAL_TIMEOUT="2").start()
    try:
        started = time.monotonic()
        code, out, _ = run_hook(running.exe, running.env, hook_payload(PUSH), timeout=30)
        assert code == 0 and out is not None and out["permissionDecision"] == "deny"
        assert "no decision within 2 s" in out["permissionDecisionReason"]
        assert 1.5 < time.monotonic() - started < 20
        items = running.client().approvals("all")
        assert [i["status"] for i in items] == ["expired"]
        assert items[0]["decided_by"] == "timeout"
    finally:
        running.stop()


@pytest.mark.parametrize(("no_daemon", "expected"), [("ask", "ask"), ("deny", "deny")])
def test_without_a_daemon_the_hook_decides_locally(approvald_exe: list[str],
                                                  approvald_home: Path, no_daemon: str,
                                                  expected: str) -> None:
    (approvald_home / "config.toml").write_text(f'no_daemon = "{no_daemon}"\n')
    env = env_for(approvald_home)
    code, out, err = run_hook(approvald_exe, env, hook_payload("ls"))
    assert (code, out) == (0, None), err
    code, out, err = run_hook(approvald_exe, env, hook_payload("cat .env"))
    assert code == 0 and out is not None and out["permissionDecision"] == "deny", (out, err)
    code, out, err = run_hook(approvald_exe, env, hook_payload(PUSH))
    assert code == 0 and out is not None and out["permissionDecision"] == expected, (out, err)
    assert out["permissionDecisionReason"]
    local = [e for e in _audit_events(approvald_home) if e.get("mode") == "local"]
    assert [e["decision"] for e in local] == ["ALLOW", "DENY", "REQUIRE_APPROVAL"], local


def test_daemon_killed_while_the_hook_waits(daemon: RunningDaemon) -> None:
    hook = start_hook(daemon.exe, daemon.env, hook_payload(PUSH))
    daemon.wait_pending()
    daemon.kill9()
    code, out = finish_hook(hook, timeout=30)
    assert code == 0 and out is not None  # never empty: the fallback answered
    assert out["permissionDecision"] == "ask"  # default no_daemon = ask


def test_sigterm_answers_the_waiting_hook_and_state_survives_restart(
        daemon: RunningDaemon) -> None:
    # One approval decided (and unused), one still pending when the daemon stops.
    first = daemon.client().call("POST", "/v1/decide", {
        "agent": "claude-code", "payload": json.loads(hook_payload("git push origin a")),
        "wait": False}, operator=False)
    daemon.client().approve(first["approval_id"])
    hook = start_hook(daemon.exe, daemon.env, hook_payload("git push origin b"))
    pending = [p for p in daemon.wait_pending() if p["summary"] == "git push origin b"]
    assert daemon.stop() == 0
    code, out = finish_hook(hook, timeout=30)
    assert code == 0 and out is not None and out["permissionDecision"] == "deny"
    assert "daemon stopping" in out["permissionDecisionReason"]

    again = RunningDaemon(daemon.exe, daemon.home).start()
    try:
        items = {i["id"]: i for i in again.client().approvals("all")}
        assert items[first["approval_id"]]["status"] == "approved"
        assert items[pending[0]["id"]]["status"] == "pending"
        # Its hook was answered by the stopping daemon: nobody waits for it any more.
        assert items[pending[0]["id"]]["agent_gone_at"] is not None
        # The grant made before the restart still admits its action, once.
        code, out, _ = run_hook(again.exe, again.env, hook_payload("git push origin a"),
                                timeout=20)
        assert out is not None and out["permissionDecision"] == "allow"
        assert first["approval_id"] in out["permissionDecisionReason"]
        # Approving the pending one now lets nothing through: the next identical request asks.
        approved = again.cli("approvals", "approve", pending[0]["id"])
        assert approved.returncode == 0 and "nothing was let through" in approved.stdout
        asked = again.client().call("POST", "/v1/decide", {
            "agent": "claude-code", "payload": json.loads(hook_payload("git push origin b")),
            "wait": False}, operator=False)
        assert asked["status"] is None and asked["approval_id"] != pending[0]["id"]
    finally:
        assert again.stop() == 0


@pytest.mark.parametrize("stdin", [
    b"{this is not json",
    b"",
    b"[1, 2, 3]",
    b'"just a string"',
    b"null",
    b'{"tool_name": "Bash"}',
    b'{"tool_name": "Bash", "tool_input": {"command": 42}}',
    b'{"tool_input": {"command": "ls"}}',
    b"\xff\xfe\x00garbage",
])
def test_unusable_input_is_denied(daemon: RunningDaemon, stdin: bytes) -> None:
    code, out, _ = run_hook(daemon.exe, daemon.env, stdin)
    assert code == 0 and out is not None
    assert out["permissionDecision"] == "deny" and out["permissionDecisionReason"]


@pytest.mark.parametrize("with_daemon", [True, False])
def test_ten_megabyte_command_gets_a_real_answer(approvald_exe: list[str],
                                                 approvald_home: Path,
                                                 with_daemon: bool) -> None:
    running = RunningDaemon(approvald_exe, approvald_home).start() if with_daemon else None
    try:
        command = "echo " + "a" * (10 * 1024 * 1024) + " && git push"
        started = time.monotonic()
        code, out, _ = run_hook(approvald_exe, env_for(approvald_home),
                                hook_payload(command), timeout=120)
        # Never an empty answer: too large to judge, so denied, and quickly.
        assert code == 0 and out is not None
        assert out["permissionDecision"] == "deny"
        assert "too large" in out["permissionDecisionReason"]
        assert time.monotonic() - started < 60
        if running is not None:  # and the daemon still serves others
            code, out, _ = run_hook(approvald_exe, running.env, hook_payload("ls"))
            assert (code, out) == (0, None)
    finally:
        if running is not None:
            assert running.stop() == 0


def test_oversized_payload_is_denied(daemon: RunningDaemon) -> None:
    payload = hook_payload("echo " + "b" * (21 * 1024 * 1024))
    code, out, _ = run_hook(daemon.exe, daemon.env, payload, timeout=60)
    assert code == 0 and out is not None and out["permissionDecision"] == "deny"
    assert "too large" in out["permissionDecisionReason"]
