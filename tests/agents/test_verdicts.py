"""A daemon's answer as a verdict, and the verdict in Claude Code's format."""

from __future__ import annotations

import json

import pytest

from approvald.agents import get_agent
from approvald.agents.base import HookReply, Verdict, deny, verdict_from_answer

CLAUDE_CODE = get_agent("claude-code")


def _output(reply: HookReply) -> dict[str, object] | None:
    return json.loads(reply.stdout)["hookSpecificOutput"] if reply.stdout else None


def _answer(doc: object) -> dict[str, object] | None:
    return _output(CLAUDE_CODE.reply_to_answer(doc))


def test_allow_is_no_opinion() -> None:
    reply = CLAUDE_CODE.reply_to_answer({"decision": "ALLOW", "reason": "ok"})
    assert reply.stdout == "" and reply.exit_code == 0


def test_deny_carries_the_reason() -> None:
    out = _answer({"decision": "DENY", "reason": "reading .env"})
    assert out == {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                   "permissionDecisionReason": "approvald: reading .env"}


@pytest.mark.parametrize(("answer", "permission", "words"), [
    ({"status": "approved", "decided_by": "cli", "approval_id": "ap_1"}, "allow", "ap_1"),
    ({"status": "approved", "decided_by": "dashboard", "scope": "session",
      "approval_id": "ap_2"}, "allow", "for this session"),
    ({"status": "denied", "decided_by": "cli", "decision_reason": "not today"}, "deny",
     "not today"),
    ({"status": "denied", "decided_by": "cli", "decision_reason": None}, "deny", "denied by cli"),
    ({"status": "expired", "decision_reason": "no decision within 2 s"}, "deny",
     "no decision within 2 s"),
    ({"status": "denied", "decided_by": "daemon", "decision_reason": "daemon stopping"},
     "deny", "daemon stopping"),
    ({"status": None}, "deny", "pending"),
])
def test_require_approval_outcomes(answer: dict[str, object], permission: str,
                                   words: str) -> None:
    verdict = verdict_from_answer({"decision": "REQUIRE_APPROVAL", **answer})
    assert verdict.permission == permission and words in verdict.reason
    out = _output(CLAUDE_CODE.reply(verdict))
    assert out is not None and out["permissionDecision"] == permission


@pytest.mark.parametrize("answer", [None, [], {"decision": "MAYBE"}, {}])
def test_nonsense_from_the_daemon_is_denied(answer: object) -> None:
    assert verdict_from_answer(answer).permission == "deny"


def test_is_reply_accepts_only_what_render_prints() -> None:
    for verdict in (Verdict(None), Verdict("allow", "a"), deny("no"), Verdict("ask", "?")):
        assert CLAUDE_CODE.is_reply(CLAUDE_CODE.render(verdict).stdout)
    for text in ("ok", "[]", '{"decision": "ALLOW"}', '{"continue": true}'):
        assert not CLAUDE_CODE.is_reply(text)
