"""The hook's local policy check runs in a child: a native crash there is a deny, not silence."""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from approvald.agents.base import HookReply, Verdict
from approvald.hook.local import isolated, isolated_reply

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32",
                                reason="fork isolation is POSIX only")


def test_answers_come_back_from_the_child() -> None:
    answer = isolated(lambda: Verdict("ask", "approvald: ask a person"))
    assert (answer.permission, answer.reason) == ("ask", "approvald: ask a person")
    allow_through = isolated(lambda: Verdict(None, "fine"))
    assert allow_through.permission is None and allow_through.reason == "fine"


def test_a_crash_in_the_check_is_a_deny() -> None:
    def segfault() -> Verdict:
        faulthandler.disable()  # pytest's handler would print a trace for this intended crash
        os.kill(os.getpid(), signal.SIGSEGV)
        raise AssertionError("unreachable")

    answer = isolated(segfault)
    assert answer.permission == "deny"
    assert "local policy check failed" in answer.reason


def test_an_exception_in_the_check_is_a_deny() -> None:
    def broken() -> Verdict:
        raise RuntimeError("boom")

    assert isolated(broken).permission == "deny"


def _failed(why: str) -> HookReply:
    return HookReply('{"continue": false}', 0, why)


def test_a_whole_reply_comes_back_from_the_child() -> None:
    reply = isolated_reply(lambda: HookReply('{"x": 1}', 2, "why"), None, _failed)
    assert (reply.stdout, reply.exit_code, reply.stderr) == ('{"x": 1}', 2, "why")


def test_a_reply_that_crashes_or_hangs_ends_in_the_failure_form() -> None:
    def segfault() -> HookReply:
        faulthandler.disable()
        os.kill(os.getpid(), signal.SIGSEGV)
        raise AssertionError("unreachable")

    def hang() -> HookReply:
        time.sleep(60)
        raise AssertionError("unreachable")

    crashed = isolated_reply(segfault, None, _failed)
    assert crashed.stdout == '{"continue": false}' and "local check failed" in crashed.stderr
    late = isolated_reply(hang, time.monotonic() + 1, _failed)
    assert late.stdout == '{"continue": false}' and "in time" in late.stderr
    odd = isolated_reply(lambda: HookReply("", 1, ""), None, _failed)  # not a reply form
    assert odd.stdout == '{"continue": false}'


def test_the_local_answer_to_an_event_is_bounded_by_the_hook_deadline(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A keyring that never answers (PostToolUse reads leased values) must not outlast the
    # hook: Claude Code lets the output through when a hook times out.
    from approvald.agents import get_agent
    from approvald.hook import events, runner

    def never(*args: object) -> HookReply:
        time.sleep(10)  # far past the deadline below
        raise AssertionError("unreachable")

    monkeypatch.setattr(events, "local_event_reply", never)
    agent = get_agent("claude-code")
    event = agent.hook_event("PostToolUse")
    assert event is not None
    reply = runner.decide_event(agent, event, b"{}", endpoint=str(tmp_path / "no.sock"),
                                deadline=time.monotonic() + 2)
    expected = agent.event_failure(event, "approvald could not answer in time")
    assert (reply.stdout, reply.exit_code) == (expected.stdout, expected.exit_code)
