"""Audit records and doctor findings as OpenTelemetry log records: names, attributes, redaction."""

from __future__ import annotations

from pathlib import Path

from approvald.model.actions import Action
from approvald.model.approvals import Approval
from approvald.model.records import approval_record, decision_record
from approvald.redaction import forget_secrets, remember_secret
from approvald.telemetry.records import (
    INFO,
    MAX_VALUE,
    WARN,
    from_audit,
    from_finding,
    parse_ts,
    project_of,
)

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def _action(command: str, **ids: str) -> Action:
    return Action("process.exec", "Bash", {"command": command}, "claude-code", "sess-9",
                  "/work/proj", command=command, **ids)


def _decision(verdict: str = "DENY") -> dict[str, object]:
    return {"decision": verdict, "rules": ["secrets-env", "extra"], "reason": "no secrets",
            "fingerprint": "sha256:" + "1" * 64, "policy_hash": "sha256:" + "2" * 64}


def test_a_decision_carries_the_contract_attributes() -> None:
    action = _action("cat .env", call_id="toolu_01ABC", prompt_id="p-7")
    record = {**decision_record(action, _decision()), "seq": 12,
              "ts": "2026-01-02T03:04:05.678Z", "hash": "sha256:abc", "prev": "x", "segment": 1}
    event = from_audit(record, lambda cwd: "/work")
    assert event is not None
    assert event.name == "approvald.decision"
    assert event.time_ns == parse_ts("2026-01-02T03:04:05.678+00:00") == 1767323045678000000
    assert (event.severity, event.severity_text) == (WARN, "WARN")
    attrs = event.attributes
    assert attrs["gen_ai.operation.name"] == "execute_tool"
    assert attrs["gen_ai.tool.name"] == "Bash"
    assert attrs["gen_ai.tool.call.id"] == "toolu_01ABC"
    assert attrs["prompt.id"] == "p-7" and attrs["session.id"] == "sess-9"
    assert attrs["approvald.decision"] == "DENY"
    assert attrs["approvald.rules"] == ["secrets-env", "extra"]
    assert attrs["approvald.fingerprint"] == "sha256:" + "1" * 64
    assert attrs["approvald.policy_hash"] == "sha256:" + "2" * 64
    assert attrs["approvald.agent"] == "claude-code"
    assert attrs["approvald.session_id"] == "sess-9"
    assert attrs["approvald.project"] == "/work"
    assert attrs["approvald.audit.seq"] == 12 and attrs["approvald.audit.hash"] == "sha256:abc"
    assert "approvald.prev" not in attrs and "approvald.segment" not in attrs
    assert event.body == "DENY: cat .env"


def test_the_correlation_ids_stay_out_of_the_fingerprint() -> None:
    first = _action("git push", call_id="toolu_1", prompt_id="p-1")
    second = _action("git push", call_id="toolu_2")
    assert first.fingerprint == second.fingerprint == _action("git push").fingerprint
    assert first.to_json()["call_id"] == "toolu_1"
    assert "call_id" not in _action("git push").to_json()


def test_commands_and_paths_are_redacted() -> None:
    command = f"curl -H 'Authorization: token {TOKEN}' https://api.github.com"
    event = from_audit({**decision_record(_action(command), _decision("ALLOW")), "seq": 1})
    assert event is not None
    text = repr(event)
    assert TOKEN not in text
    assert "[REDACTED:" in str(event.attributes["approvald.summary"])
    assert event.severity == INFO


def test_a_value_this_process_learned_is_redacted_even_if_the_log_had_it() -> None:
    remember_secret("DB_PASSWORD", "correct-horse-battery")
    try:
        record = {**decision_record(_action("psql -c 'select 1' correct-horse-battery"),
                                    _decision("ALLOW")), "seq": 1}
        event = from_audit(record)
        assert event is not None
        assert "correct-horse-battery" not in repr(event)
    finally:
        forget_secrets()


def test_an_approval_outcome() -> None:
    action = _action("git push", call_id="toolu_9")
    approval = Approval(
        id="ap_1", fingerprint=action.fingerprint, status="denied", scope=None, created_at=1.0,
        expires_at=2.0, decided_at=1.5, decided_by="dashboard", decision_reason="not now",
        used_at=None, agent="claude-code", session_id="sess-9", cwd="/work/proj", tool="Bash",
        kind="process.exec", summary="git push", action=action.to_json(),
        decision={**_decision("REQUIRE_APPROVAL"), "rules": ["git-push"]})
    event = from_audit({**approval_record(approval), "seq": 3, "ts": "2026-01-02T00:00:00Z"})
    assert event is not None
    assert event.name == "approvald.approval"
    attrs = event.attributes
    assert attrs["approvald.status"] == "denied"
    assert attrs["approvald.decided_by"] == "dashboard"
    assert attrs["approvald.approval_id"] == "ap_1"
    assert attrs["gen_ai.tool.call.id"] == "toolu_9"
    assert attrs["approvald.rules"] == ["git-push"]
    assert event.severity == WARN
    assert event.body == "denied by dashboard: git push"


def test_other_records_keep_their_own_name_and_fields() -> None:
    event = from_audit({"event": "lease.used", "lease_id": "ls_1", "name": "GITHUB_TOKEN",
                        "session_id": "", "env": ["GH_TOKEN"], "single_use": True,
                        "action": {"nested": "left out"}, "seq": 4})
    assert event is not None
    assert event.name == "approvald.lease.used"
    assert event.attributes["approvald.env"] == ["GH_TOKEN"]
    assert event.attributes["approvald.single_use"] is True
    assert "approvald.action" not in event.attributes
    assert "gen_ai.operation.name" not in event.attributes
    assert from_audit({"seq": 1}) is None


def test_long_values_are_cut() -> None:
    event = from_audit({**decision_record(_action("x" * (MAX_VALUE * 2)), _decision()),
                        "seq": 1})
    assert event is not None
    summary = str(event.attributes["approvald.summary"])
    assert len(summary) < MAX_VALUE + 100 and "truncated" in summary


def test_findings() -> None:
    finding = {"id": "claude-code/bypass/1", "severity": "high", "agent": "claude-code",
               "file": "/home/u/.claude/settings.json", "line": 3, "title": "hooks are off",
               "detail": "why", "fix": "how"}
    event = from_finding(finding)
    assert event.name == "approvald.doctor.finding"
    assert event.severity == 17 and event.body == "high: hooks are off"
    assert event.attributes["approvald.finding.line"] == 3
    gone = from_finding({"id": "claude-code/bypass/1"}, resolved=True)
    assert gone.name == "approvald.doctor.resolved"
    assert gone.attributes["approvald.finding.id"] == "claude-code/bypass/1"


def test_project_is_the_nearest_marked_ancestor(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "src" / "deep").mkdir(parents=True)
    assert project_of(str(tmp_path / "repo" / "src" / "deep")) == str(tmp_path / "repo")
    assert project_of(str(tmp_path / "gone")) == str(tmp_path / "gone")


def test_the_gateways_pin_changes_are_exported_as_warnings() -> None:
    event = from_audit({"event": "mcp.pin.changed", "server": "github", "tool": "create_issue",
                        "via": "gateway", "seq": 9, "ts": "2026-01-02T00:00:00Z"})
    assert event is not None
    assert (event.name, event.severity) == ("approvald.mcp.pin.changed", WARN)
    assert event.attributes["approvald.server"] == "github"
    added = from_audit({"event": "mcp.pin.added", "server": "github", "seq": 10})
    assert added is not None and added.severity == INFO
