"""Cursor's hook payloads (one per event, with their field-name variants) as actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from approvald.agents import get_agent
from approvald.agents.base import Verdict
from approvald.model.actions import ActionError

CURSOR = get_agent("cursor")
COMMON = {"conversation_id": "c-1", "generation_id": "g-1", "workspace_roots": ["/repo"],
          "cursor_version": "2.4.21"}


def test_shell_execution() -> None:
    action = CURSOR.action({**COMMON, "hook_event_name": "beforeShellExecution",
                            "command": "git push", "cwd": "/repo/sub"})
    assert (action.kind, action.tool, action.command, action.cwd, action.session_id) == (
        "process.exec", "Shell", "git push", "/repo/sub", "c-1")
    # preToolUse's Shell is the same action: one grant answers both.
    same = CURSOR.action({**COMMON, "hook_event_name": "preToolUse", "tool_name": "Shell",
                          "tool_input": {"command": "git push",
                                         "working_directory": "/repo/sub"}})
    assert same.kind == "process.exec" and same.cwd == "/repo/sub"


def test_read_file_never_keeps_the_content() -> None:
    action = CURSOR.action({**COMMON, "hook_event_name": "beforeReadFile",
                            "file_path": "/repo/.env", "content": "API_KEY=sk-live-123",
                            "attachments": [{"type": "file", "filePath": "/repo/.cursorrules"}]})
    assert action.kind == "fs.read"
    assert action.paths == ("/repo/.env", "/repo/.cursorrules")
    assert "sk-live" not in json.dumps(action.to_json())


@pytest.mark.parametrize("tool_input", [{"query": "select 1"}, '{"query": "select 1"}'])
def test_mcp_execution_accepts_object_or_json_string(tool_input: object) -> None:
    action = CURSOR.action({**COMMON, "hook_event_name": "beforeMCPExecution",
                            "tool_name": "run_query", "tool_input": tool_input,
                            "mcp_server_name": "postgres", "command": "npx -y pg-mcp"})
    assert (action.kind, action.mcp_server, action.mcp_tool, action.input) == (
        "mcp.call", "postgres", "run_query", {"query": "select 1"})


def test_mcp_server_named_from_the_config(tmp_path: Path) -> None:
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": {
        "db": {"command": "npx", "args": ["-y", "pg-mcp"]}}}))
    action = CURSOR.action({**COMMON, "workspace_roots": [str(tmp_path)],
                            "hook_event_name": "beforeMCPExecution", "tool_name": "q",
                            "tool_input": {}, "command": "npx -y pg-mcp"})
    assert action.mcp_server == "db"
    unknown = CURSOR.action({**COMMON, "hook_event_name": "beforeMCPExecution",
                             "tool_name": "q", "tool_input": {}, "url": "https://mcp.x.dev"})
    assert unknown.mcp_server == "https://mcp.x.dev"


@pytest.mark.parametrize(("tool", "tool_input", "paths"), [
    ("Write", {"file_path": "a.py", "contents": "x"}, ("/repo/a.py",)),
    ("StrReplace", {"path": "/repo/.env", "old_string": "a", "new_string": "b"},
     ("/repo/.env",)),
    ("Delete", {"target_file": "old.txt"}, ("/repo/old.txt",)),
])
def test_file_writes_through_pre_tool_use(tool: str, tool_input: dict, paths: tuple) -> None:
    action = CURSOR.action({**COMMON, "hook_event_name": "preToolUse", "tool_name": tool,
                            "tool_input": tool_input})
    assert (action.kind, action.paths) == ("fs.write", paths)


def test_an_old_payload_without_its_event_name_is_told_by_its_fields() -> None:
    action = CURSOR.action({**COMMON, "command": "ls", "cwd": "/repo"})
    assert action.kind == "process.exec"


@pytest.mark.parametrize(("doc", "words"), [
    ({**COMMON, "hook_event_name": "afterFileEdit", "file_path": "x"}, "afterFileEdit"),
    ({**COMMON}, "None"),
    ({**COMMON, "hook_event_name": "preToolUse", "tool_input": {}}, "tool_name"),
    ({**COMMON, "hook_event_name": "preToolUse", "tool_name": "Write", "tool_input": {}},
     "file_path"),
    ({**COMMON, "hook_event_name": "beforeMCPExecution", "tool_name": "q",
      "tool_input": "{not json"}, "not JSON"),
    ({**COMMON, "hook_event_name": "beforeMCPExecution", "tool_name": "q", "tool_input": {}},
     "the MCP server"),
])
def test_unknown_shapes_are_refused(doc: dict, words: str) -> None:
    with pytest.raises(ActionError, match=words):
        CURSOR.action(doc)


def test_answers_are_always_explicit() -> None:
    assert json.loads(CURSOR.reply(Verdict(None)).stdout) == {"permission": "allow"}
    assert json.loads(CURSOR.reply(Verdict("allow", "ok")).stdout) == {"permission": "allow"}
    for permission in ("deny", "ask"):
        doc = json.loads(CURSOR.reply(Verdict(permission, "no")).stdout)
        assert doc["permission"] == "deny"
        assert doc["user_message"].startswith("no") and doc["agent_message"].startswith("no")
    assert not CURSOR.is_reply("")  # empty output is "invalid" to Cursor's CLI


def test_generation_id_rides_beside_the_action() -> None:
    a = CURSOR.action({**COMMON, "hook_event_name": "beforeShellExecution", "command": "ls",
                       "cwd": "/repo"})
    b = CURSOR.action({**COMMON, "generation_id": "g-2", "hook_event_name":
                       "beforeShellExecution", "command": "ls", "cwd": "/repo"})
    assert (a.prompt_id, b.prompt_id) == ("g-1", "g-2")
    assert a.fingerprint == b.fingerprint
