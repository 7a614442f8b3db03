"""The export pipeline against a real OTLP/HTTP receiver: batches, retries, and every loss
counted; offering a record never waits for the collector."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from approvald.telemetry.config import ExportConfig
from approvald.telemetry.exporter import Exporter
from tests.support.otlp import OtlpReceiver

FAST_BACKOFF = {"initial_backoff_s": 0.05, "max_backoff_s": 0.2}


def _config(receiver: OtlpReceiver, **overrides: Any) -> ExportConfig:
    values: dict[str, Any] = {"logs_url": receiver.url + "/v1/logs", "timeout_s": 30.0,
                              "max_batch_size": 3, "schedule_delay_s": 0.05,
                              "resource": {"service.name": "approvald"}}
    values.update(overrides)
    return ExportConfig(**values)


def _record(n: int) -> dict[str, Any]:
    return {"event": "decision", "seq": n, "ts": f"2026-01-02T03:04:{n:02d}.000Z",
            "hash": f"sha256:{n}", "agent": "claude-code", "session_id": "s", "cwd": "/tmp",
            "tool": "Bash", "kind": "process.exec", "summary": f"echo {n}", "decision": "ALLOW",
            "rules": [], "reason": "ok", "fingerprint": "sha256:f", "policy_hash": "sha256:p",
            "call_id": f"toolu_{n}"}


@contextmanager
def running(config: ExportConfig) -> Iterator[Exporter]:
    exporter = Exporter(config, project=lambda cwd: cwd, **FAST_BACKOFF).start()
    try:
        yield exporter
    finally:
        exporter.stop(0.5)


def _until(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


def test_records_reach_the_collector_in_batches() -> None:
    with OtlpReceiver() as receiver, running(_config(receiver)) as exporter:
        for n in range(1, 8):
            exporter.offer_audit(_record(n))
        records = receiver.wait_for(lambda r: len(r) == 7)
        assert sorted(r["attributes"]["approvald.audit.seq"] for r in records) == list(
            range(1, 8))
        assert len(receiver.requests) >= 3  # no more than 3 records a request
        assert all(r["scope"] == "approvald" for r in records)
        _until(lambda: exporter.status()["sent"] == 7)
        assert exporter.status()["dropped"] == 0


def test_gzip_and_headers() -> None:
    with OtlpReceiver() as receiver, running(_config(
            receiver, compression="gzip", headers={"authorization": "Bearer team"})) as exporter:
        exporter.offer_audit(_record(1))
        receiver.wait_for(lambda r: len(r) == 1)
        assert receiver.requests[0]["content-encoding"] == "gzip"
        assert receiver.requests[0]["authorization"] == "Bearer team"
        assert receiver.requests[0]["content-type"] == "application/x-protobuf"


def test_a_transient_failure_is_retried_until_the_collector_takes_it() -> None:
    with OtlpReceiver("fail") as receiver, running(_config(receiver)) as exporter:
        exporter.offer_audit(_record(1))
        exporter.offer_audit(_record(2))
        _until(lambda: len(receiver.requests) >= 3)
        assert "HTTP 503" in (exporter.status()["error"] or "")
        assert exporter.status()["queued"] == 2
        receiver.mode = "ok"
        receiver.wait_for(lambda r: len(r) == 2)
        _until(lambda: exporter.status()["sent"] == 2)
        assert exporter.status()["dropped"] == 0
        assert exporter.status()["error"] is None


@pytest.mark.parametrize(("mode", "said"), [("refuse", "HTTP 400"), ("reject", "rejected 2")])
def test_a_batch_refused_for_good_is_counted(mode: str, said: str) -> None:
    with OtlpReceiver(mode) as receiver, running(_config(receiver)) as exporter:
        exporter.offer_audit(_record(1))
        exporter.offer_audit(_record(2))
        _until(lambda: exporter.status()["dropped"] == 2)
        status = exporter.status()
        assert status["sent"] == 0 and said in status["error"]
        assert status["first_dropped_at"] == "2026-01-02T03:04:01.000Z"


def test_offering_never_waits_for_a_hung_collector_and_overflow_is_counted() -> None:
    with OtlpReceiver("hang") as receiver, running(_config(
            receiver, max_batch_size=1, max_queue_size=3)) as exporter:
        exporter.offer_audit(_record(1))
        _until(lambda: len(receiver.requests) == 1)  # the collector holds that request
        for n in range(2, 12):
            exporter.offer_audit(_record(n))  # each returns while the collector hangs
        status = exporter.status()
        assert receiver.records == [] and len(receiver.requests) == 1
        assert (status["dropped"], status["queued"]) == (7, 4)
        assert status["first_dropped_at"] == "2026-01-02T03:04:02.000Z"
        receiver.release()
        _until(lambda: exporter.status()["sent"] == 4)
        seqs = sorted(r["attributes"]["approvald.audit.seq"] for r in receiver.records)
        assert seqs == [1, 9, 10, 11]  # the oldest queued records were the ones dropped


def test_stop_returns_while_the_collector_hangs_and_counts_what_it_held() -> None:
    with OtlpReceiver("hang") as receiver:
        exporter = Exporter(_config(receiver, max_batch_size=1), **FAST_BACKOFF).start()
        for n in range(1, 4):
            exporter.offer_audit(_record(n))
        _until(lambda: len(receiver.requests) == 1)
        exporter.stop(0.3)
        status = exporter.status()
        assert (status["sent"], status["dropped"], status["queued"]) == (0, 3, 0)
        exporter.offer_audit(_record(4))  # after the stop: counted, not queued
        assert exporter.status()["dropped"] == 4


def test_without_the_extra_every_record_is_counted_as_dropped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import approvald.telemetry as telemetry

    monkeypatch.setattr(telemetry, "extra_missing", lambda: "OTLP export needs the otel extra")
    with OtlpReceiver() as receiver:
        exporter = Exporter(_config(receiver)).start()
        _until(lambda: exporter.status()["error"] is not None)
        exporter.offer_audit(_record(1))
        exporter.stop(0.3)
        assert exporter.status()["dropped"] == 1
        assert "otel extra" in exporter.status()["error"]
        assert receiver.requests == []
