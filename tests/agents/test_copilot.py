"""GitHub Copilot CLI's preToolUse payloads (both formats) as actions, and its answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from approvald.agents import get_agent
from approvald.agents.base import Verdict
from approvald.model.actions import ActionError

COPILOT = get_agent("copilot")


def native(tool: str, args: object, **over: object) -> dict:
    doc = {"sessionId": "cp-1", "timestamp": 1755770000000, "cwd": "/repo", "toolName": tool,
           "toolArgs": json.dumps(args) if not isinstance(args, str) else args}
    doc.update(over)
    return doc


def vscode(tool: str, tool_input: object) -> dict:
    return {"hook_event_name": "PreToolUse", "session_id": "cp-1",
            "timestamp": "2026-08-21T10:00:00Z", "cwd": "/repo", "tool_name": tool,
            "tool_input": tool_input}


def test_both_formats_give_the_same_shell_action() -> None:
    a = COPILOT.action(native("bash", {"command": "git push --force", "description": "p"}))
    b = COPILOT.action(native("bash", {"command": "git push --force"}))
    assert (a.kind, a.command, a.session_id, a.cwd) == (
        "process.exec", "git push --force", "cp-1", "/repo")
    assert a.fingerprint == b.fingerprint
    c = COPILOT.action(vscode("Bash", {"command": "git push --force"}))
    assert c.kind == "process.exec" and c.command == "git push --force"


@pytest.mark.parametrize(("tool", "args", "kind", "paths"), [
    ("view", {"path": ".env"}, "fs.read", ("/repo/.env",)),
    ("create", {"path": "src/new.ts", "file_text": "x"}, "fs.write", ("/repo/src/new.ts",)),
    ("edit", {"path": "/repo/a.ts", "old_str": "a", "new_str": "b"}, "fs.write",
     ("/repo/a.ts",)),
    ("str_replace_editor", {"command": "view", "path": "a"}, "fs.read", ("/repo/a",)),
    ("str_replace_editor", {"command": "str_replace", "path": "a"}, "fs.write", ("/repo/a",)),
    ("glob", {"pattern": "**/*.ts"}, "fs.read", ("/repo",)),
    ("apply_patch", {"input": "*** Begin Patch\n*** Update File: x.py\n*** End Patch"},
     "fs.write", ("/repo/x.py",)),
])
def test_file_tools(tool: str, args: dict, kind: str, paths: tuple) -> None:
    action = COPILOT.action(native(tool, args))
    assert (action.kind, action.paths) == (kind, paths)


def test_vscode_format_keeps_copilots_argument_names() -> None:
    action = COPILOT.action(vscode("Read", {"path": "/repo/.env"}))
    assert (action.kind, action.paths) == ("fs.read", ("/repo/.env",))


def test_mcp_tools_split_at_a_configured_server(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_HOME", str(tmp_path / "copilot-home"))
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"my-db": {}}}))
    action = COPILOT.action(native("my-db-run-query", {"sql": "x"}, cwd=str(tmp_path)))
    assert (action.kind, action.mcp_server, action.mcp_tool) == ("mcp.call", "my-db",
                                                                 "run-query")
    builtin = COPILOT.action(native("github-mcp-server-get_issue", {"n": 1}))
    assert (builtin.mcp_server, builtin.mcp_tool) == ("github-mcp-server", "get_issue")


def test_write_bash_is_a_shell_line() -> None:
    action = COPILOT.action(native("write_bash", {"shellId": "1", "input": "git push"}))
    assert (action.kind, action.command) == ("process.exec", "git push")


@pytest.mark.parametrize(("doc", "words"), [
    (native("bash", "{broken"), "not JSON"),
    (native("bash", "[1]"), "must be an object"),
    (native("bash", {"cmd": "ls"}), "needs a string 'command'"),
    (native("write_bash", {"shellId": "1"}), "no text"),
    ({**vscode("Bash", {"command": "ls"}), "hook_event_name": "PostToolUse"},
     "is not PreToolUse"),
])
def test_unusable_payloads_say_what_is_wrong(doc: dict, words: str) -> None:
    with pytest.raises(ActionError, match=words):
        COPILOT.action(doc)


def test_answers() -> None:
    assert COPILOT.reply(Verdict(None)).stdout == ""
    for permission in ("allow", "deny", "ask"):
        doc = json.loads(COPILOT.reply(Verdict(permission, "why")).stdout)
        assert doc == {"permissionDecision": permission, "permissionDecisionReason": "why"}
