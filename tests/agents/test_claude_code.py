"""Claude Code's payloads as actions: tools mapped to kinds, paths normalized, the fingerprint."""

from __future__ import annotations

import json

import pytest

from approvald.agents import UnknownAgent, get_agent, payload_reader
from approvald.model.actions import (
    ActionError,
)

CLAUDE_CODE = get_agent("claude-code")


def bash(command: str, **over) -> dict:
    doc = {"session_id": "s1", "transcript_path": "/t/1.jsonl", "cwd": "/home/dev/app",
           "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
           "tool_input": {"command": command, "description": "push it"},
           "tool_use_id": "toolu_01"}
    doc.update(over)
    return doc


def test_fingerprint_ignores_incidental_fields() -> None:
    a = CLAUDE_CODE.action(bash("git push"))
    b = CLAUDE_CODE.action(bash("git push", tool_use_id="toolu_99", transcript_path="/o",
                                 permission_mode="plan", extra_future_field=1))
    c = CLAUDE_CODE.action({**bash("git push"),
                             "tool_input": {"command": "git push", "description": "other"}})
    assert a.fingerprint == b.fingerprint == c.fingerprint


@pytest.mark.parametrize(
    "change",
    [{"session_id": "s2"}, {"cwd": "/home/dev/other"},
     {"tool_input": {"command": "git push --force"}},
     {"tool_input": {"command": "git push", "run_in_background": True}}],
)
def test_fingerprint_changes_with_what_would_run(change: dict) -> None:
    assert CLAUDE_CODE.action(bash("git push")).fingerprint != \
        CLAUDE_CODE.action(bash("git push", **change)).fingerprint


def test_fingerprint_is_sha256_of_documented_fields() -> None:
    import hashlib

    action = CLAUDE_CODE.action(bash("ls"))
    fields = {"v": 1, "agent": "claude-code", "session_id": "s1", "cwd": "/home/dev/app",
              "tool": "Bash", "kind": "process.exec", "input": {"command": "ls"}}
    expected = "sha256:" + hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert action.fingerprint == expected


def test_paths_normalized_in_file_tools() -> None:
    action = CLAUDE_CODE.action({**bash(""), "tool_name": "Read",
                                  "tool_input": {"file_path": "../x/./y.py"}})
    assert action.kind == "fs.read"
    assert action.paths == ("/home/dev/x/y.py",)
    assert action.input["file_path"] == "/home/dev/x/y.py"


@pytest.mark.parametrize(
    ("tool", "tool_input", "kind"),
    [
        ("Write", {"file_path": "a", "content": "x"}, "fs.write"),
        ("Edit", {"file_path": "a", "old_string": "x", "new_string": "y"}, "fs.write"),
        ("MultiEdit", {"file_path": "a", "edits": []}, "fs.write"),
        ("NotebookEdit", {"notebook_path": "n.ipynb", "new_source": "x"}, "fs.write"),
        ("Glob", {"pattern": "**/*.py"}, "fs.read"),
        ("Grep", {"pattern": "x", "path": "src"}, "fs.read"),
        ("WebFetch", {"url": "https://a.b", "prompt": "p"}, "net.http"),
        ("WebSearch", {"query": "q"}, "net.http"),
        ("Task", {"description": "d", "prompt": "p", "subagent_type": "x"}, "agent.task"),
        ("Agent", {"prompt": "p"}, "agent.task"),
        ("mcp__fs__read_file", {"path": "/x"}, "mcp.call"),
        ("TodoWrite", {"todos": []}, "tool.other"),
    ],
)
def test_claude_code_tools_map_to_kinds(tool: str, tool_input: dict, kind: str) -> None:
    action = CLAUDE_CODE.action({**bash(""), "tool_name": tool, "tool_input": tool_input})
    assert action.kind == kind


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ([], "JSON object"),
        ({"tool_input": {}}, "tool_name"),
        ({"tool_name": "Bash", "tool_input": {"command": 3}}, "command"),
        ({"tool_name": "Bash", "tool_input": []}, "tool_input"),
        ({"tool_name": "mcp__x", "tool_input": {}}, "mcp__<server>__<tool>"),
    ],
)
def test_bad_payloads_say_what_is_wrong(doc, words: str) -> None:
    with pytest.raises(ActionError, match=words.replace("(", r"\(")):
        CLAUDE_CODE.action(doc)


def test_unknown_agents_are_refused_clearly() -> None:
    with pytest.raises(UnknownAgent, match="unknown agent 'vim'"):
        payload_reader("vim")
