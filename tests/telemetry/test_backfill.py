"""Sending past records: batches in order, a few retries, then a stop that says where to resume."""

from __future__ import annotations

from typing import Any

from approvald.telemetry.backfill import send_records
from approvald.telemetry.config import ExportConfig
from tests.support.otlp import OtlpReceiver


def _records(n: int) -> list[dict[str, Any]]:
    return [{"event": "decision", "seq": i, "ts": f"2026-03-01T00:00:{i:02d}.000Z",
             "hash": f"sha256:{i}", "decision": "ALLOW", "summary": f"echo {i}"}
            for i in range(1, n + 1)]


def _config(receiver: OtlpReceiver) -> ExportConfig:
    return ExportConfig(logs_url=receiver.url + "/v1/logs", timeout_s=10.0, max_batch_size=2)


def test_every_record_in_order() -> None:
    with OtlpReceiver() as receiver:
        result = send_records(_records(5), _config(receiver))
        assert (result.sent, result.rejected, result.error) == (5, 0, None)
        assert [r["attributes"]["approvald.audit.seq"] for r in receiver.records] == [
            1, 2, 3, 4, 5]
        assert len(receiver.requests) == 3


def test_a_collector_that_stays_away_stops_it_with_where_to_resume() -> None:
    waits: list[float] = []
    with OtlpReceiver("fail") as receiver:
        result = send_records(_records(5), _config(receiver), attempts=3, sleep=waits.append)
        assert (result.sent, result.error) == (0, f"{receiver.url}/v1/logs answered HTTP 503")
        assert result.resume_from == "2026-03-01T00:00:01.000Z"
        assert len(receiver.requests) == 3 and len(waits) == 2  # no wait after the last try
