"""OTLP export from a real daemon process to a real OTLP/HTTP receiver: what arrives (names,
attributes, redaction, the agent's tool_use_id), and that a hung collector delays no decision
while the loss is counted in `status`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemon import RunningDaemon, finish_hook, run_hook, start_hook
from tests.support.otlp import OtlpReceiver
from tests.support.payloads import claude_code_payload

pytestmark = pytest.mark.e2e

TOKEN = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"
FAST = {"OTEL_BLRP_SCHEDULE_DELAY": "50", "APPROVALD_DOCTOR_WATCH": "0"}


def _payload(command: str, call_id: str, cwd: Path) -> bytes:
    payload = claude_code_payload(command, session="sess-export", cwd=str(cwd))
    payload["tool_use_id"] = call_id
    payload["prompt_id"] = "prompt-" + call_id
    return json.dumps(payload).encode()


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as running:
        yield running


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "webapp"
    (root / ".git").mkdir(parents=True)
    (root / "src").mkdir()
    return root


def _start(exe: list[str], home: Path, **env: str) -> RunningDaemon:
    return RunningDaemon(exe, home, **{**FAST, **env}).start()


def _by_call(records: list[dict[str, Any]], call_id: str, event: str) -> dict[str, Any]:
    [found] = [r for r in records if r["event_name"] == event
               and r["attributes"].get("gen_ai.tool.call.id") == call_id]
    return found


def test_decisions_and_approvals_reach_the_collector(
        approvald_exe: list[str], approvald_home: Path, receiver: OtlpReceiver,
        project: Path) -> None:
    daemon = _start(approvald_exe, approvald_home, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
                    OTEL_RESOURCE_ATTRIBUTES="team=platform")
    try:
        cwd = project / "src"
        assert run_hook(approvald_exe, daemon.env, _payload("ls -la", "toolu_ls", cwd))[0] == 0
        _, denied, _ = run_hook(approvald_exe, daemon.env, _payload("cat .env", "toolu_env", cwd))
        assert denied is not None and denied["permissionDecision"] == "deny"
        secret = f"curl -H 'Authorization: token {TOKEN}' https://api.github.com/user"
        run_hook(approvald_exe, daemon.env, _payload(secret, "toolu_secret", cwd))
        push = start_hook(approvald_exe, daemon.env, _payload("git push", "toolu_push", cwd))
        [pending] = daemon.wait_pending()
        assert daemon.cli("approvals", "approve", pending["id"]).returncode == 0
        assert finish_hook(push)[1]["permissionDecision"] == "allow"  # type: ignore[index]

        records = receiver.wait_for(lambda r: any(x["event_name"] == "approvald.approval"
                                                  for x in r) and len(r) >= 5)
        allowed = _by_call(records, "toolu_ls", "approvald.decision")
        attrs = allowed["attributes"]
        assert attrs["approvald.decision"] == "ALLOW"
        assert attrs["gen_ai.operation.name"] == "execute_tool"
        assert attrs["gen_ai.tool.name"] == "Bash"
        assert attrs["prompt.id"] == "prompt-toolu_ls"
        assert attrs["approvald.agent"] == "claude-code"
        assert attrs["approvald.session_id"] == attrs["session.id"] == "sess-export"
        assert attrs["approvald.project"] == str(project)
        assert attrs["approvald.fingerprint"].startswith("sha256:")
        assert attrs["approvald.policy_hash"].startswith("sha256:")
        assert isinstance(attrs["approvald.rules"], list)
        assert isinstance(attrs["approvald.audit.seq"], int)
        assert allowed["resource"]["service.name"] == "approvald"
        assert allowed["resource"]["team"] == "platform"

        deny = _by_call(records, "toolu_env", "approvald.decision")
        assert deny["attributes"]["approvald.decision"] == "DENY"
        assert deny["attributes"]["approvald.rules"]
        assert deny["severity_text"] == "WARN"

        everything = json.dumps(records)
        assert TOKEN not in everything
        quoted = _by_call(records, "toolu_secret", "approvald.decision")
        assert "[REDACTED:" in quoted["attributes"]["approvald.summary"]

        gated = _by_call(records, "toolu_push", "approvald.decision")
        assert gated["attributes"]["approvald.decision"] == "REQUIRE_APPROVAL"
        outcome = _by_call(records, "toolu_push", "approvald.approval")
        assert outcome["attributes"]["approvald.status"] == "approved"
        assert outcome["attributes"]["approvald.decided_by"] == "cli"
        assert outcome["attributes"]["approvald.approval_id"] == pending["id"]

        # The audit chain is the record of truth: each exported record names its place in it.
        tail = json.loads(daemon.cli("audit", "tail", "--json", "-n", "50").stdout.splitlines()[0])
        seqs = {r["attributes"]["approvald.audit.seq"]: r["attributes"]["approvald.audit.hash"]
                for r in records}
        assert seqs[tail["seq"]] == tail["hash"]

        status = json.loads(daemon.cli("status", "--json").stdout)
        assert status["export"]["sent"] >= len(records)
        assert status["export"]["dropped"] == 0
        assert status["export"]["endpoint"] == receiver.url + "/v1/logs"
        human = daemon.cli("status").stdout
        assert f"export             sent {status['export']['sent']}, dropped 0 -> " in human
    finally:
        daemon.ensure_stopped()


def test_the_environment_wins_over_config_toml(
        approvald_exe: list[str], approvald_home: Path, receiver: OtlpReceiver,
        tmp_path: Path) -> None:
    with OtlpReceiver() as configured:
        (approvald_home / "config.toml").write_text(
            f'[otel]\nendpoint = "{configured.url}"\n', encoding="utf-8")
        daemon = _start(approvald_exe, approvald_home, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url)
        try:
            run_hook(approvald_exe, daemon.env, _payload("ls", "toolu_1", tmp_path))
            receiver.wait_for(lambda r: len(r) >= 1)
            assert configured.requests == []
        finally:
            daemon.ensure_stopped()
        daemon = _start(approvald_exe, approvald_home)  # config.toml alone
        try:
            run_hook(approvald_exe, daemon.env, _payload("ls", "toolu_2", tmp_path))
            configured.wait_for(lambda r: any(
                x["attributes"].get("gen_ai.tool.call.id") == "toolu_2" for x in r))
        finally:
            daemon.ensure_stopped()


def test_without_an_endpoint_status_has_no_export(daemon: RunningDaemon) -> None:
    status = json.loads(daemon.cli("status", "--json").stdout)
    assert "export" not in status


def test_a_hung_collector_delays_no_decision_and_the_loss_is_counted(
        approvald_exe: list[str], approvald_home: Path, tmp_path: Path) -> None:
    with OtlpReceiver("hang") as hung:
        daemon = _start(approvald_exe, approvald_home, OTEL_EXPORTER_OTLP_ENDPOINT=hung.url,
                        OTEL_BLRP_MAX_QUEUE_SIZE="2", OTEL_BLRP_MAX_EXPORT_BATCH_SIZE="1")
        try:
            run_hook(approvald_exe, daemon.env, _payload("ls", "toolu_0", tmp_path))
            _wait(lambda: len(hung.requests) == 1)  # the collector now holds a request open
            for n in range(1, 7):
                code, out, _ = run_hook(approvald_exe, daemon.env,
                                        _payload("ls", f"toolu_{n}", tmp_path))
                assert (code, out) == (0, None)  # answered (ALLOW) while the collector hung
            assert hung.records == [] and len(hung.requests) == 1
            status = json.loads(daemon.cli("status", "--json").stdout)["export"]
            # 8 records: the session's first hook also records `session.started`; one is in
            # flight, the queue holds 3, the rest are lost.
            assert (status["sent"], status["dropped"], status["queued"]) == (0, 5, 3)
            assert status["first_dropped_at"] is not None
            hung.release()
            _wait(lambda: json.loads(daemon.cli("status", "--json").stdout)
                  ["export"]["sent"] == 3)
            # What was dropped is still in the audit log: send it from where the loss began.
            with OtlpReceiver() as later:
                sent = daemon.cli("audit", "export", "--format", "otlp", "--endpoint",
                                  later.url, "--since", status["first_dropped_at"])
                assert sent.returncode == 0, sent.stderr
                calls = {r["attributes"].get("gen_ai.tool.call.id") for r in later.records}
                assert {"toolu_1", "toolu_2", "toolu_3", "toolu_4"} <= calls
        finally:
            daemon.ensure_stopped()


def _wait(condition: Any, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_doctor_findings_appear_and_resolve_at_the_collector(
        approvald_exe: list[str], approvald_home: Path, receiver: OtlpReceiver,
        tmp_path: Path) -> None:
    home = tmp_path / "user"
    settings = home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"permissions": {"defaultMode": "bypassPermissions"}}))
    daemon = _start(approvald_exe, approvald_home, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
                    HOME=str(home), APPROVALD_DOCTOR_WATCH="1")
    try:
        def bypass(records: list[dict[str, Any]], event: str) -> bool:
            return any(r["event_name"] == event and str(
                r["attributes"].get("approvald.finding.id", "")).startswith(
                "claude-code/bypass-mode/") for r in records)

        records = receiver.wait_for(lambda r: bypass(r, "approvald.doctor.finding"))
        [found] = [r for r in records if r["event_name"] == "approvald.doctor.finding"
                   and r["attributes"]["approvald.finding.id"].startswith(
                       "claude-code/bypass-mode/")]
        assert found["attributes"]["approvald.finding.file"] == str(settings)
        assert found["attributes"]["approvald.finding.severity"] == "high"
        assert found["severity_text"] == "ERROR"
        settings.write_text(json.dumps({"permissions": {"defaultMode": "default"}}))
        receiver.wait_for(lambda r: bypass(r, "approvald.doctor.resolved"))
    finally:
        daemon.ensure_stopped()
