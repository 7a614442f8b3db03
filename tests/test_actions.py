"""The action model: normalization and the fingerprint."""

from __future__ import annotations

import json

import pytest

from approvald.actions import (
    ActionError,
    action_from_json,
    canonical_json,
    normalize_path,
    normalize_url,
)
from approvald.adapters import get_adapter
from approvald.adapters.claude_code import action_from_payload


def bash(command: str, **over) -> dict:
    doc = {"session_id": "s1", "transcript_path": "/t/1.jsonl", "cwd": "/home/dev/app",
           "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
           "tool_input": {"command": command, "description": "push it"},
           "tool_use_id": "toolu_01"}
    doc.update(over)
    return doc


@pytest.mark.parametrize(
    ("path", "cwd", "expected"),
    [
        ("src/../.env", "/home/dev/app", "/home/dev/app/.env"),
        ("./a/./b", "/x", "/x/a/b"),
        ("~/.ssh/id_rsa", "/x", "/home/dev/.ssh/id_rsa"),
        ("$HOME/.aws/credentials", "/x", "/home/dev/.aws/credentials"),
        ("${HOME}", "/x", "/home/dev"),
        ("/A/B/../C", "/x", "/A/C"),
        ("//etc//passwd", "/", "/etc/passwd"),
        ("C:\\Users\\Dev\\..\\x.env", "", "C:\\Users\\x.env"),
        ("sub\\f.txt", "C:\\proj", "C:\\proj\\sub\\f.txt"),
    ],
)
def test_normalize_path(path: str, cwd: str, expected: str) -> None:
    assert normalize_path(path, cwd, home="/home/dev") == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM:443/a?b=1", "https://example.com/a?b=1"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("example.com/docs", "https://example.com/docs"),
        ("https://User:pw@Host.io/", "https://User:pw@host.io/"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_fingerprint_ignores_incidental_fields() -> None:
    a = action_from_payload(bash("git push"))
    b = action_from_payload(bash("git push", tool_use_id="toolu_99", transcript_path="/o",
                                 permission_mode="plan", extra_future_field=1))
    c = action_from_payload({**bash("git push"),
                             "tool_input": {"command": "git push", "description": "other"}})
    assert a.fingerprint == b.fingerprint == c.fingerprint


@pytest.mark.parametrize(
    "change",
    [{"session_id": "s2"}, {"cwd": "/home/dev/other"},
     {"tool_input": {"command": "git push --force"}},
     {"tool_input": {"command": "git push", "run_in_background": True}}],
)
def test_fingerprint_changes_with_what_would_run(change: dict) -> None:
    assert action_from_payload(bash("git push")).fingerprint != \
        action_from_payload(bash("git push", **change)).fingerprint


def test_fingerprint_is_sha256_of_documented_fields() -> None:
    import hashlib

    action = action_from_payload(bash("ls"))
    fields = {"v": 1, "agent": "claude-code", "session_id": "s1", "cwd": "/home/dev/app",
              "tool": "Bash", "kind": "process.exec", "input": {"command": "ls"}}
    expected = "sha256:" + hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert action.fingerprint == expected


def test_paths_normalized_in_file_tools() -> None:
    action = action_from_payload({**bash(""), "tool_name": "Read",
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
    action = action_from_payload({**bash(""), "tool_name": tool, "tool_input": tool_input})
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
        action_from_payload(doc)


def test_action_json_is_strict_and_round_trips() -> None:
    action = action_from_json({"kind": "process.exec", "tool": "Bash", "cwd": "/a/b/..",
                               "input": {"command": "ls"}})
    assert action.cwd == "/a" and action.command == "ls"
    assert action_from_json(action.to_json()).fingerprint == action.fingerprint
    with pytest.raises(ActionError, match="unknown field"):
        action_from_json({"kind": "process.exec", "input": {"command": "ls"}, "colour": 1})
    with pytest.raises(ActionError, match="kind"):
        action_from_json({"kind": "exec", "input": {}})


def test_unknown_agents_are_refused_clearly() -> None:
    with pytest.raises(ActionError, match="no adapter for 'cursor' yet"):
        get_adapter("cursor")


def test_canonical_json_is_compact_sorted_utf8() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
