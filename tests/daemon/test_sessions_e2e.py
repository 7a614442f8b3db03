"""Issue 15: agent sessions registered at SessionStart and ended at SessionEnd (or when the
agent's process exits); an ended session's pending approvals expire at once. Real daemon, real
hook processes run by a stand-in agent (tests/support/agent.py), payloads as Claude Code sends
them."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.agent import StandInAgent
from tests.support.daemon import RunningDaemon, hook_payload, wait_until
from tests.support.payloads import claude_session_end, claude_session_start

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="agent processes are read from /proc here")]

PUSH = "git push origin main"
SESSION = "5b6f0c2e-7d1a-4c9e-8f3b-2a1d0e9c8b7a"


def _hook(daemon: RunningDaemon, event: str | None = None) -> str:
    return " ".join(shlex.quote(p) for p in [*daemon.exe, "hook", "claude-code",
                                             *([event] if event else [])])


def _sessions(daemon: RunningDaemon) -> list[dict[str, Any]]:
    sessions: list[dict[str, Any]] = daemon.client().call("GET", "/v1/sessions")["sessions"]
    return sessions


def _push_payload(mode: str) -> bytes:
    doc = json.loads(hook_payload(PUSH, session=SESSION, cwd="/home/dev/shop"))
    doc["permission_mode"] = mode
    return json.dumps(doc).encode()


def test_a_session_is_registered_followed_and_ended(daemon: RunningDaemon,
                                                    tmp_path: Path) -> None:
    with StandInAgent(daemon.env, tmp_path) as agent:
        start = agent.start(_hook(daemon, "SessionStart"), stdin=json.dumps(
            claude_session_start(session=SESSION, cwd="/home/dev/shop")).encode())
        assert start.wait().code == 0
        [session] = _sessions(daemon)
        assert session["session_id"] == SESSION and session["agent"] == "claude-code"
        assert session["project"] == "/home/dev/shop" and session["source"] == "startup"
        assert session["agent_pid"] == agent.pid
        assert session["model"] == "claude-sonnet-4-6"

        # Its tool calls say which permission mode it runs in (auto, on newer plans).
        waiting = agent.start(_hook(daemon), stdin=_push_payload("auto"))
        [pending] = daemon.wait_pending()
        assert _sessions(daemon)[0]["permission_mode"] == "auto"

        end = agent.start(_hook(daemon, "SessionEnd"), stdin=json.dumps(
            claude_session_end(session=SESSION, cwd="/home/dev/shop")).encode())
        assert end.wait().code == 0
        assert _sessions(daemon) == []
        # Its pending approval expired at once, and the hook still waiting got a deny.
        expired = daemon.client().approval(pending["id"])
        assert expired["status"] == "expired" and expired["decided_by"] == "session-end"
        answer = waiting.wait(30)
        decision = json.loads(answer.stdout)["hookSpecificOutput"]
        assert decision["permissionDecision"] == "deny"
        assert "session ended" in decision["permissionDecisionReason"]

    def sessions_recorded() -> list[dict[str, Any]]:
        records = [json.loads(line) for line in daemon.paths.audit_file.read_text().splitlines()]
        return [r for r in records if r["event"].startswith("session.")]

    records = wait_until(lambda: len(sessions_recorded()) >= 3 and sessions_recorded())
    kinds = [r["event"] for r in records]
    assert kinds == ["session.started", "session.updated", "session.ended"]
    [ended] = [r for r in records if r["event"] == "session.ended"]
    assert ended["expired"] == [pending["id"]] and ended["reason"] == "prompt_input_exit"


def test_an_agent_that_exits_ends_its_session(daemon: RunningDaemon, tmp_path: Path) -> None:
    agent = StandInAgent(daemon.env, tmp_path)
    try:
        assert agent.start(_hook(daemon, "SessionStart"), stdin=json.dumps(
            claude_session_start(session=SESSION)).encode()).wait().code == 0
        agent.start(_hook(daemon), stdin=_push_payload("default"))
        [pending] = daemon.wait_pending()
    finally:
        agent.close()  # the agent exits without a SessionEnd (a crash, a kill)
    wait_until(lambda: _sessions(daemon) == [])
    expired = wait_until(lambda: (a := daemon.client().approval(pending["id"]))["status"]
                     == "expired" and a)
    assert expired["decided_by"] == "session-end"
    assert "agent's process exited" in expired["decision_reason"]


def test_a_process_of_a_started_session_is_no_operator(daemon: RunningDaemon,
                                                       tmp_path: Path) -> None:
    """SessionStart alone teaches the daemon the agent's process: before any tool call."""
    with StandInAgent(daemon.env, tmp_path) as agent:
        assert agent.start(_hook(daemon, "SessionStart"), stdin=json.dumps(
            claude_session_start(session=SESSION)).encode()).wait().code == 0
        listing = agent.run(" ".join(shlex.quote(p) for p in [*daemon.exe, "approvals",
                                                             "list"]))
        assert listing.code == 1 and "agent" in listing.stderr
    assert daemon.cli("approvals", "list").returncode == 0
