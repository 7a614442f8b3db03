"""Issue 15: a tool's output is redacted before Claude Code's model reads it (PostToolUse), and a
failed tool's secret ends the turn (PostToolUseFailure). Real `approvald hook claude-code EVENT`
processes under a stand-in agent, payloads in the shapes Claude Code's docs give, a real daemon
(and none)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemon import RunningDaemon, env_for, hook_payload, run_raw
from tests.support.payloads import (
    bash_response,
    claude_post_tool_use,
    claude_post_tool_use_failure,
    read_response,
    webfetch_response,
)

pytestmark = pytest.mark.e2e

GITHUB = "ghp_" + "Zq8XbT3kLm9PwR2vN5cY7dF1hJ4sA6gE0uWi"
KEY = ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
       "-----END OPENSSH PRIVATE KEY-----")
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2lnbmF0dXJlLXBhcnQ"

CASES = {
    "Bash": ({"command": "env | grep TOKEN", "description": "show tokens"},
             bash_response(f"HOME=/home/dev\nGITHUB_TOKEN={GITHUB}\n", "cwd reset")),
    "Read": ({"file_path": "/home/dev/app/deploy/id_ed25519"},
             read_response("/home/dev/app/deploy/id_ed25519", f"{KEY}\n# deploy key\n")),
    "WebFetch": ({"url": "https://api.example.com/session", "prompt": "what is the session?"},
                 webfetch_response("https://api.example.com/session",
                                   f"The session token is {JWT} (valid 1 h).")),
}
SECRETS = (GITHUB, KEY, JWT, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", "c2lnbmF0dXJlLXBhcnQ")


def _hook(daemon_exe: list[str], env: dict[str, str], payload: dict[str, Any],
          event: str = "PostToolUse") -> tuple[int, dict[str, Any] | None, str]:
    code, out, err = run_raw(daemon_exe, env, json.dumps(payload).encode(), event=event)
    return code, (json.loads(out) if out.strip() else None), err


def _same_shape(before: Any, after: Any) -> None:
    """Same keys, same types, all the way down."""
    assert type(before) is type(after)
    if isinstance(before, dict):
        assert list(before) == list(after)
        for key in before:
            _same_shape(before[key], after[key])
    elif isinstance(before, list):
        assert len(before) == len(after)
        for a, b in zip(before, after, strict=True):
            _same_shape(a, b)


def _records(home: Path, event: str) -> list[dict[str, Any]]:
    path = home / "audit" / "audit.jsonl"
    return [r for r in map(json.loads, path.read_text().splitlines()) if r["event"] == event]


@pytest.mark.parametrize("tool", list(CASES))
def test_secrets_in_output_are_replaced_keeping_its_shape(daemon: RunningDaemon,
                                                          tool: str) -> None:
    tool_input, response = CASES[tool]
    code, out, err = _hook(daemon.exe, daemon.env, claude_post_tool_use(tool, tool_input,
                                                                        response))
    assert code == 0, err
    assert out is not None and set(out) == {"hookSpecificOutput"}
    specific = out["hookSpecificOutput"]
    assert specific["hookEventName"] == "PostToolUse"
    updated = specific["updatedToolOutput"]
    _same_shape(response, updated)
    text = json.dumps(updated)
    assert not any(secret in text for secret in SECRETS)
    assert "[REDACTED:" in text
    assert "withheld" in specific["additionalContext"]
    # Only what held a secret changed.
    if tool == "Bash":
        assert updated["stdout"] == "HOME=/home/dev\nGITHUB_TOKEN=[REDACTED:github_token]\n"
        assert updated["stderr"] == "cwd reset"
    if tool == "Read":
        assert updated["file"]["filePath"] == response["file"]["filePath"]
        assert updated["file"]["content"] == "[REDACTED:private_key]\n# deploy key\n"
    if tool == "WebFetch":
        assert {k: v for k, v in updated.items() if k != "result"} == {
            k: v for k, v in response.items() if k != "result"}
    [record] = _records(daemon.home, "output.redacted")
    assert record["tool"] == tool and record["action"] == "replaced"
    assert record["count"] == 1 and record["hook_event"] == "PostToolUse"
    assert record["call_id"].startswith("toolu_")
    audit = (daemon.home / "audit" / "audit.jsonl").read_text()
    assert not any(secret in audit for secret in SECRETS)


def test_clean_output_and_code_stay_as_they_are(daemon: RunningDaemon) -> None:
    source = ('def login(token: str, password: str = os.environ["PW"]) -> Session:\n'
              '    api_key = settings.API_KEY\n    return Session(token=token)\n')
    for tool, tool_input, response in (
            ("Bash", {"command": "ls"}, bash_response("README.md\nsrc\n")),
            ("Read", {"file_path": "/home/dev/app/auth.py"},
             read_response("/home/dev/app/auth.py", source)),
            ("mcp__github__get_issue", {"number": 7}, [{"type": "text", "text": "no secrets"}])):
        code, out, err = _hook(daemon.exe, daemon.env,
                               claude_post_tool_use(tool, tool_input, response))
        assert (code, out) == (0, None), err
    assert _records(daemon.home, "output.redacted") == []


def test_mcp_output_is_redacted_as_it_came(daemon: RunningDaemon) -> None:
    blocks = [{"type": "text", "text": f"deploy token: {GITHUB}"}, {"type": "text", "text": "ok"}]
    for response in (blocks, f"token={GITHUB}"):
        code, out, _ = _hook(daemon.exe, daemon.env, claude_post_tool_use(
            "mcp__vault__read_secret", {"path": "deploy"}, response))
        assert code == 0 and out is not None
        updated = out["hookSpecificOutput"]["updatedToolOutput"]
        _same_shape(response, updated)
        assert GITHUB not in json.dumps(updated)


def test_a_failed_commands_secret_ends_the_turn(daemon: RunningDaemon) -> None:
    payload = claude_post_tool_use_failure(
        "Bash", {"command": "curl -sf https://x.example/ -H @auth.txt"},
        f"Exit code 22\nAuthorization: Bearer {GITHUB}\ncurl: (22) 403")
    code, out, err = _hook(daemon.exe, daemon.env, payload, event="PostToolUseFailure")
    assert code == 0, err
    assert out is not None and out["continue"] is False
    assert "1 secret value" in out["stopReason"] and GITHUB not in out["stopReason"]
    [record] = _records(daemon.home, "output.redacted")
    assert record["action"] == "stopped" and record["hook_event"] == "PostToolUseFailure"
    clean = claude_post_tool_use_failure("Bash", {"command": "false"}, "Exit code 1")
    assert _hook(daemon.exe, daemon.env, clean, event="PostToolUseFailure")[:2] == (0, None)


def test_without_a_daemon_the_hook_redacts_by_itself(approvald_exe: list[str],
                                                     approvald_home: Path) -> None:
    env = env_for(approvald_home)
    tool_input, response = CASES["Bash"]
    code, out, err = _hook(approvald_exe, env, claude_post_tool_use("Bash", tool_input,
                                                                    response))
    assert code == 0, err
    assert out is not None
    updated = out["hookSpecificOutput"]["updatedToolOutput"]
    assert GITHUB not in json.dumps(updated)
    _same_shape(response, updated)
    [record] = _records(approvald_home, "output.redacted")
    assert record["mode"] == "local"


@pytest.mark.parametrize("raw", [b"not json", b'{"hook_event_name": "PostToolUse"}',
                                 b'{"hook_event_name": "PreToolUse", "tool_name": "Bash"}'])
def test_output_that_cannot_be_checked_ends_the_turn(daemon: RunningDaemon, raw: bytes) -> None:
    """Nothing unchecked passes silently: unusable input stops the turn, with the reason."""
    for env in (daemon.env, env_for(daemon.home, APPROVALD_SOCKET=str(daemon.home / "none"))):
        code, out, err = run_raw(daemon.exe, env, raw, event="PostToolUse")
        assert code == 0, err
        doc = json.loads(out)
        assert doc["continue"] is False and "could not check" in doc["stopReason"]


def test_the_event_argument(daemon: RunningDaemon) -> None:
    """`hook claude-code PreToolUse` is the decision hook; an unknown event blocks (exit 2)."""
    code, out, _ = run_raw(daemon.exe, daemon.env, hook_payload("cat .env"), event="PreToolUse")
    assert code == 0 and json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"
    code, out, err = run_raw(daemon.exe, daemon.env, b"{}", event="PostToolUsage")
    assert (code, out) == (2, "") and "no hook event 'PostToolUsage'" in err
