"""Codex's PreToolUse payloads as actions, and its answers (which never allow or ask)."""

from __future__ import annotations

import json

import pytest

from approvald.agents import get_agent
from approvald.agents.base import Verdict
from approvald.model.actions import ActionError

CODEX = get_agent("codex")


def payload(tool: str, tool_input: dict, **over: object) -> dict:
    doc = {"session_id": "0199a", "turn_id": "3", "transcript_path": None, "cwd": "/repo",
           "hook_event_name": "PreToolUse", "model": "gpt-5-codex", "permission_mode": "default",
           "tool_name": tool, "tool_input": tool_input, "tool_use_id": "call_1"}
    doc.update(over)
    return doc


PATCH = """*** Begin Patch
*** Add File: docs/new.md
+# New
*** Update File: src/app.py
*** Move to: src/main.py
@@ def main():
-    pass
+    run()
*** Delete File: ../outside/old.txt
*** End Patch
"""


def test_bash_is_a_shell_line() -> None:
    action = CODEX.action(payload("Bash", {"command": "git push origin main"}))
    assert (action.kind, action.command, action.agent, action.cwd) == (
        "process.exec", "git push origin main", "codex", "/repo")
    assert action.session_id == "0199a"


def test_a_command_given_as_words_is_read_back_as_a_line() -> None:
    action = CODEX.action(payload("Bash", {"command": ["bash", "-lc", "git push"]}))
    assert action.command == "bash -lc 'git push'"


def test_apply_patch_writes_every_file_it_touches() -> None:
    action = CODEX.action(payload("apply_patch", {"command": PATCH}))
    assert action.kind == "fs.write"
    assert action.paths == ("/repo/docs/new.md", "/repo/src/app.py", "/repo/src/main.py",
                            "/outside/old.txt")
    assert action.input == {"patch": PATCH}
    assert action.summary == " ".join(action.paths)


@pytest.mark.parametrize("tool_input", [{"command": "no patch here"}, {"command": 3}, {}])
def test_a_patch_that_names_no_file_is_refused(tool_input: dict) -> None:
    with pytest.raises(ActionError, match="apply_patch"):
        CODEX.action(payload("apply_patch", tool_input))


def test_mcp_tools_name_server_and_tool() -> None:
    action = CODEX.action(payload("mcp__github__create_issue", {"title": "x"}))
    assert (action.kind, action.mcp_server, action.mcp_tool, action.input) == (
        "mcp.call", "github", "create_issue", {"title": "x"})


def test_fingerprint_ignores_turn_and_call_ids() -> None:
    a = CODEX.action(payload("Bash", {"command": "ls"}))
    b = CODEX.action(payload("Bash", {"command": "ls"}, turn_id="9", tool_use_id="call_9",
                             permission_mode="bypassPermissions"))
    assert a.fingerprint == b.fingerprint
    claude = get_agent("claude-code").action(payload("Bash", {"command": "ls"}))
    assert claude.fingerprint != a.fingerprint  # another agent, another grant


@pytest.mark.parametrize(("doc", "words"), [
    ([], "must be a JSON object"),
    (payload("Bash", {"command": "ls"}, hook_event_name="PostToolUse"), "is not PreToolUse"),
    (payload("Bash", "ls"), "'tool_input' must be an object"),
    ({"session_id": "s", "tool_input": {}}, "tool_name"),
])
def test_unusable_payloads_say_what_is_wrong(doc: object, words: str) -> None:
    with pytest.raises(ActionError, match=words):
        CODEX.action(doc)


def test_answers() -> None:
    assert CODEX.reply(Verdict(None)).stdout == ""
    assert CODEX.reply(Verdict("allow", "approved by cli")).stdout == ""  # never a bare allow
    for permission in ("deny", "ask"):
        out = json.loads(CODEX.reply(Verdict(permission, "needs a person")).stdout)
        decision = out["hookSpecificOutput"]
        assert decision["permissionDecision"] == "deny"
        assert decision["permissionDecisionReason"].startswith("needs a person")
    # Codex ignores a deny without a reason, so there always is one.
    empty = json.loads(CODEX.reply(Verdict("deny", "")).stdout)
    assert empty["hookSpecificOutput"]["permissionDecisionReason"]
    assert CODEX.is_reply("") and not CODEX.is_reply(
        '{"hookSpecificOutput": {"permissionDecision": "allow"}}')


def test_call_and_turn_ids_ride_beside_the_action() -> None:
    action = CODEX.action(payload("Bash", {"command": "ls"}, tool_use_id="call_7", turn_id="4"))
    assert (action.call_id, action.prompt_id) == ("call_7", "4")
    assert action.to_json()["call_id"] == "call_7"
