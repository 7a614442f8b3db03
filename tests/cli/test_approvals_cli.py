"""`approvald approvals list|approve|deny` against a real daemon."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.daemon import RunningDaemon

pytestmark = pytest.mark.e2e

REQUIRED = {"id", "fingerprint", "status", "created_at", "session_id", "cwd", "tool", "summary",
            "rules", "reason"}


def _ask(daemon: RunningDaemon, name: str = ".env", session: str = "s-cli") -> dict[str, Any]:
    """A pending approval, without a waiting hook: overwriting a secret file needs a person."""
    answer = daemon.client().call("POST", "/v1/decide", {"wait": False, "action": {
        "kind": "fs.write", "tool": "Write", "agent": "claude-code", "session_id": session,
        "cwd": "/work/proj", "input": {"path": name, "content": "TOKEN=x"}}}, operator=False)
    assert answer["decision"] == "REQUIRE_APPROVAL", answer
    return dict(answer)


def test_list_json_has_the_contract_fields(daemon: RunningDaemon) -> None:
    asked = _ask(daemon)
    result = daemon.cli("approvals", "list", "--json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert len(items) == 1
    item = items[0]
    assert set(item) >= REQUIRED
    assert item["id"] == asked["approval_id"] and item["status"] == "pending"
    assert item["fingerprint"] == asked["fingerprint"]
    assert item["summary"] == "/work/proj/.env" and item["tool"] == "Write"
    assert item["session_id"] == "s-cli" and item["cwd"] == "/work/proj"
    assert item["rules"] and item["reason"]
    human = daemon.cli("approvals", "list")
    assert asked["approval_id"] in human.stdout and "/work/proj/.env" in human.stdout


def test_approve_deny_and_all(daemon: RunningDaemon) -> None:
    one, two = _ask(daemon, ".env"), _ask(daemon, ".env.local")
    ok = daemon.cli("approvals", "approve", one["approval_id"], "--session")
    assert ok.returncode == 0 and one["approval_id"] in ok.stdout
    ok = daemon.cli("approvals", "deny", two["approval_id"], "--reason", "no secrets")
    assert ok.returncode == 0
    assert json.loads(daemon.cli("approvals", "list", "--json").stdout) == []
    everything = json.loads(daemon.cli("approvals", "list", "--json", "--all").stdout)
    by_id = {i["id"]: i for i in everything}
    assert by_id[one["approval_id"]]["status"] == "approved"
    assert by_id[one["approval_id"]]["scope"] == "session"
    assert by_id[one["approval_id"]]["decided_by"] == "cli"
    assert by_id[two["approval_id"]]["status"] == "denied"
    assert by_id[two["approval_id"]]["decision_reason"] == "no secrets"


def test_unknown_or_already_decided_is_exit_1_with_one_line(daemon: RunningDaemon) -> None:
    result = daemon.cli("approvals", "approve", "ap_doesnotexist")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "ap_doesnotexist" in result.stderr
    asked = _ask(daemon)
    assert daemon.cli("approvals", "deny", asked["approval_id"]).returncode == 0
    again = daemon.cli("approvals", "approve", asked["approval_id"])
    assert again.returncode == 1 and "already denied" in again.stderr
    assert again.stderr.count("\n") == 1


def test_without_a_daemon_the_cli_says_so(daemon: RunningDaemon) -> None:
    assert daemon.stop() == 0
    result = daemon.cli("approvals", "list")
    assert result.returncode == 1
    assert "no daemon is running" in result.stderr and result.stderr.count("\n") == 1


def test_a_wrong_token_is_refused(daemon: RunningDaemon) -> None:
    _ask(daemon)
    daemon.paths.token_file.write_text("not-the-token\n")
    result = daemon.cli("approvals", "list")
    assert result.returncode == 1 and "token" in result.stderr
