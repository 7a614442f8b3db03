"""Sending past audit records, in order, in batches (`approvald audit export --format otlp`):
for a collector that was down, or a review that wants them in the team's backend.

Each record becomes the same log record the daemon would have sent live (same event name and
attributes, its original time, its seq and hash), so a collector that got some of them already
can de-duplicate on `approvald.audit.hash`. A batch the collector refuses for a moment is tried
again a few times; if it still does not go, or the collector refuses a whole batch, sending
stops there and the result says from when to send again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from approvald.telemetry.config import ExportConfig
from approvald.telemetry.otlp import encode
from approvald.telemetry.records import LogEvent, from_audit, project_of
from approvald.telemetry.sender import OtlpSender, backoff_s

ATTEMPTS = 5


@dataclass
class BackfillResult:
    sent: int = 0
    rejected: int = 0  # refused for good by the collector (counted, not retried)
    error: str | None = None  # why sending stopped early (None: every batch was answered)
    resume_from: str | None = None  # `ts` of the first record not sent when it stopped


def send_records(records: Iterable[Mapping[str, Any]], config: ExportConfig, *,
                 sender: Any = None, attempts: int = ATTEMPTS,
                 initial_backoff_s: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep) -> BackfillResult:
    own = sender is None
    post = OtlpSender(config) if sender is None else sender
    result = BackfillResult()
    batch: list[tuple[str | None, LogEvent]] = []
    try:
        for record in records:
            event = from_audit(record, project_of)
            if event is None:
                continue
            ts = record.get("ts")
            batch.append((ts if isinstance(ts, str) else None, event))
            if len(batch) >= config.max_batch_size and not _send(
                    post, batch, config, result, attempts, initial_backoff_s, sleep):
                return result
        if batch:
            _send(post, batch, config, result, attempts, initial_backoff_s, sleep)
        return result
    finally:
        if own:
            post.close()


def _send(sender: Any, batch: list[tuple[str | None, LogEvent]], config: ExportConfig,
          result: BackfillResult, attempts: int, initial_backoff_s: float,
          sleep: Callable[[float], None]) -> bool:
    """Send `batch` (emptied on success); False when sending must stop."""
    body = encode([event for _, event in batch], config.resource)
    for attempt in range(attempts):
        outcome = sender.send(body, len(batch))
        if not outcome.retry:
            result.sent += outcome.sent
            result.rejected += outcome.rejected
            if outcome.error and not outcome.sent:
                break  # the whole batch refused (a wrong token, say): the next would be too
            batch.clear()
            return True
        if attempt + 1 < attempts:
            sleep(outcome.retry_after if outcome.retry_after is not None
                  else backoff_s(attempt, initial_backoff_s))
    result.error = outcome.error
    result.resume_from = batch[0][0]
    return False
