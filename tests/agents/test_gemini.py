"""Gemini CLI's BeforeTool payloads as actions, and its answers."""

from __future__ import annotations

import json

import pytest

from approvald.agents import get_agent
from approvald.agents.base import Verdict
from approvald.model.actions import ActionError

GEMINI = get_agent("gemini")


def payload(tool: str, tool_input: dict, **over: object) -> dict:
    doc = {"session_id": "g-1", "transcript_path": "/home/u/.gemini/tmp/c.json", "cwd": "/repo",
           "hook_event_name": "BeforeTool", "timestamp": "2026-08-21T10:00:00.000Z",
           "tool_name": tool, "tool_input": tool_input}
    doc.update(over)
    return doc


def test_shell_runs_in_its_dir_path() -> None:
    action = GEMINI.action(payload("run_shell_command", {
        "command": "terraform apply", "description": "apply", "dir_path": "infra"}))
    assert (action.kind, action.command, action.cwd) == (
        "process.exec", "terraform apply", "/repo/infra")
    assert "description" not in action.input


@pytest.mark.parametrize(("tool", "tool_input", "kind", "paths"), [
    ("write_file", {"file_path": "src/a.py", "content": "x"}, "fs.write", ("/repo/src/a.py",)),
    ("replace", {"file_path": "/repo/.env", "old_string": "a", "new_string": "b",
                 "instruction": "i"}, "fs.write", ("/repo/.env",)),
    ("read_file", {"file_path": ".env"}, "fs.read", ("/repo/.env",)),
    ("read_file", {"absolute_path": "/etc/passwd"}, "fs.read", ("/etc/passwd",)),
    ("read_many_files", {"include": ["src/**/*.py", ".env"]}, "fs.read",
     ("/repo/src/**/*.py", "/repo/.env")),
    ("glob", {"pattern": "*.py"}, "fs.read", ("/repo",)),
    ("grep_search", {"pattern": "x", "dir_path": "src"}, "fs.read", ("/repo/src",)),
    ("list_directory", {"dir_path": "/home/u/.ssh"}, "fs.read", ("/home/u/.ssh",)),
])
def test_file_tools(tool: str, tool_input: dict, kind: str, paths: tuple) -> None:
    action = GEMINI.action(payload(tool, tool_input))
    assert (action.kind, action.paths) == (kind, paths)


def test_web_fetch_takes_the_url_from_its_prompt() -> None:
    action = GEMINI.action(payload("web_fetch", {
        "prompt": "Summarize https://Example.COM:443/a and then https://other.org"}))
    assert (action.kind, action.url) == ("net.http", "https://example.com/a")
    assert GEMINI.action(payload("google_web_search", {"query": "q"})).kind == "net.http"


def test_mcp_tools_use_mcp_context() -> None:
    action = GEMINI.action(payload("mcp_my_srv_create_issue", {"title": "t"},
                                   mcp_context={"server_name": "my_srv",
                                                "tool_name": "create_issue"}))
    assert (action.kind, action.mcp_server, action.mcp_tool) == (
        "mcp.call", "my_srv", "create_issue")
    older = GEMINI.action(payload("mcp_github_create_issue", {}))
    assert (older.mcp_server, older.mcp_tool) == ("github", "create_issue")


def test_other_tools() -> None:
    assert GEMINI.action(payload("write_todos", {"todos": []})).kind == "tool.other"


@pytest.mark.parametrize(("doc", "words"), [
    (payload("run_shell_command", {"command": "ls"}, hook_event_name="AfterTool"),
     "is not BeforeTool"),
    (payload("run_shell_command", {}), "needs a string 'command'"),
    (payload("write_file", {"content": "x"}), "needs a string 'file_path'"),
    (payload("mcp_", {}), "cannot tell its server and tool apart"),
])
def test_unusable_payloads_say_what_is_wrong(doc: object, words: str) -> None:
    with pytest.raises(ActionError, match=words):
        GEMINI.action(doc)


def test_answers_are_json_and_never_ask() -> None:
    assert GEMINI.reply(Verdict(None)).stdout == ""
    assert GEMINI.reply(Verdict("allow", "approved")).stdout == ""
    for permission in ("deny", "ask"):
        reply = GEMINI.reply(Verdict(permission, "nope"))
        doc = json.loads(reply.stdout)
        assert doc["decision"] == "deny" and doc["reason"].startswith("nope")
        assert reply.exit_code == 0
    assert GEMINI.is_reply('{"decision": "deny", "reason": "x"}')
    assert not GEMINI.is_reply('{"decision": "ask"}')


def test_install_entry_is_in_milliseconds() -> None:
    assert GEMINI.install is not None
    entry = GEMINI.install.entry("approvald hook gemini", 330)
    assert entry == {"name": "approvald", "type": "command", "command": "approvald hook gemini",
                     "timeout": 330000}
