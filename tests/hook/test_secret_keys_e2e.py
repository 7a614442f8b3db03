"""A secret used as a key of a tool's input or output: real `approvald hook claude-code`
processes, a real daemon, and what the CLI shows afterwards (`approvals list --json`, `audit
export --format jsonl`, `audit verify`): the key redacted everywhere, two such keys kept apart,
the chain intact."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.daemon import RunningDaemon, finish_hook, run_raw, start_hook
from tests.support.payloads import claude_code_payload, claude_post_tool_use

pytestmark = pytest.mark.e2e

GITHUB = "ghp_" + "Zq8XbT3kLm9PwR2vN5cY7dF1hJ4sA6gE0uWi"
GITHUB2 = "ghp_" + "Mn4BvC6xZ8lK0jH2gF5dS7aP9oI1uY3tR6eW"


def _exported(daemon: RunningDaemon) -> tuple[str, list[dict[str, Any]]]:
    done = daemon.cli("audit", "export", "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    return done.stdout, [json.loads(line) for line in done.stdout.splitlines()]


def _chain_holds(daemon: RunningDaemon) -> None:
    done = daemon.cli("audit", "verify")
    assert done.returncode == 0, done.stdout + done.stderr


def test_secret_keys_in_a_tool_output_are_replaced_apart_and_audited(
        daemon: RunningDaemon) -> None:
    response = {"tokens": {GITHUB: {"scopes": ["repo"]}, GITHUB2: {"scopes": ["gist"]},
                           "expired": 0}}
    payload = claude_post_tool_use("mcp__vault__list_tokens", {"owner": "dev"}, response)
    code, out, err = run_raw(daemon.exe, daemon.env, json.dumps(payload).encode(),
                             event="PostToolUse")
    assert code == 0, err
    updated = json.loads(out)["hookSpecificOutput"]["updatedToolOutput"]
    assert updated == {"tokens": {"[REDACTED:github_token]": {"scopes": ["repo"]},
                                  "[REDACTED:github_token] #2": {"scopes": ["gist"]},
                                  "expired": 0}}

    text, records = _exported(daemon)
    assert GITHUB not in text and GITHUB2 not in text
    [record] = [r for r in records if r["event"] == "output.redacted"]
    assert record["count"] == 2 and record["action"] == "replaced"
    _chain_holds(daemon)


def test_a_secret_key_in_a_tool_input_is_never_shown(daemon: RunningDaemon) -> None:
    tool_input = {"command": "git push", GITHUB: "x", "password": "[REDACTED:x] hunter2"}
    hook = start_hook(daemon.exe, daemon.env, json.dumps(
        claude_code_payload(tool_input=tool_input)).encode())
    [pending] = daemon.wait_pending()
    listed = daemon.cli("approvals", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert GITHUB not in listed.stdout and "hunter2" not in listed.stdout
    [shown] = [a for a in json.loads(listed.stdout) if a["id"] == pending["id"]]
    assert shown["action"]["input"] == {"command": "git push", "[REDACTED:github_token]": "x",
                                        "password": "[REDACTED:password]"}
    assert daemon.cli("approvals", "deny", pending["id"]).returncode == 0
    assert finish_hook(hook)[1]["permissionDecision"] == "deny"  # type: ignore[index]

    text, records = _exported(daemon)
    assert GITHUB not in text and "hunter2" not in text
    assert {"approval.requested", "approval.decided"} <= {r["event"] for r in records}
    _chain_holds(daemon)
