"""`approvald audit export --format jsonl|otlp [--since ...]`: past records printed as stored, or
sent to a real OTLP/HTTP receiver as the daemon would have sent them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from approvald.audit import AuditLog, read_records
from approvald.paths import get_paths
from tests.support.otlp import OtlpReceiver

pytestmark = pytest.mark.e2e

SECRET = "sekret-" + "4242"


def _run(exe: list[str], *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    return subprocess.run([*exe, "audit", "export", *args], capture_output=True, text=True,
                          timeout=60, env={**environ, **env})


def _write(n: int) -> list[dict[str, object]]:
    directory = get_paths().audit
    with AuditLog(directory) as log:
        for i in range(n):
            log.append({"event": "decision", "decision": "ALLOW", "agent": "claude-code",
                        "session_id": "s", "cwd": "/tmp", "tool": "Bash", "kind": "process.exec",
                        "summary": f"make build{i}", "rules": [], "reason": "r",
                        "fingerprint": "sha256:f", "policy_hash": "sha256:p",
                        "call_id": f"toolu_{i}"})
        log.append({"event": "lease.used", "lease_id": "ls_1", "name": "GITHUB_TOKEN",
                    "summary": f"curl -H 'Authorization: Bearer {SECRET}' https://x.io"})
    return list(read_records(directory))


def test_jsonl_prints_the_records_as_stored(approvald_home: Path,
                                            approvald_exe: list[str]) -> None:
    written = _write(4)
    done = _run(approvald_exe, "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == written
    assert SECRET not in done.stdout

    since = str(written[2]["ts"])
    done = _run(approvald_exe, "--format", "jsonl", "--since", since)
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    assert printed == [r for r in written if str(r["ts"]) >= since]
    assert printed[-1]["seq"] == written[-1]["seq"]
    assert _run(approvald_exe, "--format", "jsonl", "--since", "2999-01-01").stdout == ""


def test_bad_since_and_missing_collector_are_one_line_errors(
        approvald_home: Path, approvald_exe: list[str]) -> None:
    _write(1)
    done = _run(approvald_exe, "--format", "jsonl", "--since", "last tuesday")
    assert done.returncode == 2
    assert done.stderr.strip() == ("approvald audit export: --since 'last tuesday' is not an "
                                   "ISO 8601 time (e.g. 2026-01-02 or 2026-01-02T03:04:05Z)")
    done = _run(approvald_exe, "--format", "otlp")
    assert done.returncode == 2 and "no collector to send to" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_otlp_sends_past_records_to_the_collector(approvald_home: Path,
                                                  approvald_exe: list[str]) -> None:
    written = _write(3)
    with OtlpReceiver() as receiver:
        done = _run(approvald_exe, "--format", "otlp", OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url)
        assert done.returncode == 0, done.stderr
        assert f"sent 4 record(s) to {receiver.url}/v1/logs" in done.stderr
        records = receiver.wait_for(lambda r: len(r) == 4)
    assert [r["event_name"] for r in records] == ["approvald.decision"] * 3 + [
        "approvald.lease.used"]
    assert [r["attributes"]["approvald.audit.hash"] for r in records] == [
        w["hash"] for w in written]
    assert records[0]["attributes"]["gen_ai.tool.call.id"] == "toolu_0"
    assert SECRET not in json.dumps(records)

    with OtlpReceiver() as other:
        done = _run(approvald_exe, "--format", "otlp", "--endpoint", other.url,
                    "--since", str(written[3]["ts"]), OTEL_EXPORTER_OTLP_ENDPOINT="http://x:1")
        assert done.returncode == 0, done.stderr
        assert {r["attributes"]["approvald.audit.seq"] for r in other.records} == {
            r["seq"] for r in written if str(r["ts"]) >= str(written[3]["ts"])}


def test_otlp_stops_when_the_collector_refuses_and_says_how_to_resume(
        approvald_home: Path, approvald_exe: list[str]) -> None:
    written = _write(2)
    with OtlpReceiver("refuse") as receiver:
        done = _run(approvald_exe, "--format", "otlp", "--endpoint", receiver.url)
    assert done.returncode == 1
    assert "refused the batch: HTTP 400" in done.stderr
    assert f"--since {written[0]['ts']}" in done.stderr
