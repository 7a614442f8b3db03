"""The export pipeline: a bounded queue, one worker thread, batches, retry with backoff, counts.

`offer_*` is all a producer does: an append under a lock held for microseconds, never I/O, so a
decision is never slowed by a collector that is slow, down or hung. When the queue is full the
oldest queued record is dropped; a batch the collector refuses for good (or rejects in part) is
dropped; what is still queued when the daemon stops is dropped. Every drop is counted
(`dropped`, and `first_dropped_at`, the audit time of the earliest record lost, which is what
`approvald audit export --format otlp --since` needs to send them again: the audit log keeps
every record).

The worker wakes when a batch is full or `schedule_delay_s` passed, turns queued records into
log records (redacted) and posts them. A transient failure keeps the batch and retries it with
doubling, jittered waits (or the server's Retry-After), however long the collector is away;
meanwhile new records queue up to the bound.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from approvald.telemetry.config import ExportConfig
from approvald.telemetry.records import LogEvent, from_audit, from_finding, project_of
from approvald.telemetry.sender import INITIAL_BACKOFF_S, MAX_BACKOFF_S, Outcome, backoff_s

log = logging.getLogger("approvald.export")

STOP_TIMEOUT_S = 2.0
# The worker runs in the daemon's process: while it turns records into protobuf it holds the
# GIL, and the event loop, deciding, would wait up to the interpreter's switch interval (5 ms)
# for it each time it wakes. Letting go every few records (~0.15 ms of work) keeps that wait
# short: with 20,000 records exported in a burst, an event loop's 1 ms timer overshot by 1.3 to
# 2.3 ms at the median without it, 0.12 to 0.16 ms with it (0.10 ms with export off).
YIELD_EVERY = 4


def _yield() -> None:
    time.sleep(0)

# A queued item: ("audit", record) or ("finding", finding, resolved, time_ns).
Item = tuple[Any, ...]


class Exporter:
    def __init__(self, config: ExportConfig, *, sender: Any = None,
                 initial_backoff_s: float = INITIAL_BACKOFF_S,
                 max_backoff_s: float = MAX_BACKOFF_S,
                 project: Callable[[str], str] = project_of):
        self.config = config
        self._sender = sender
        self._initial_backoff = initial_backoff_s
        self._max_backoff = max_backoff_s
        self._project = project
        self._queue: deque[Item] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._closed = False
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.dropped = 0
        self.first_dropped_at: str | None = None
        self.error: str | None = None

    # -- producers (any thread) ----------------------------------------------------------

    def offer_audit(self, record: Mapping[str, Any]) -> None:
        """An audit record as written (with seq, ts and hash)."""
        self._offer(("audit", record))

    def offer_finding(self, finding: Mapping[str, Any], resolved: bool = False) -> None:
        self._offer(("finding", finding, resolved, time.time_ns()))

    def _offer(self, item: Item) -> None:
        with self._lock:
            if self._closed:
                self._lost([item])
                return
            if len(self._queue) >= self.config.max_queue_size:
                self._lost([self._queue.popleft()])
            self._queue.append(item)
            full = len(self._queue) >= self.config.max_batch_size
        if full:
            self._wake.set()

    def _lost(self, items: list[Item], count: int | None = None) -> None:
        """Count `count` of `items` (default: all) as dropped; the caller holds the lock."""
        self.dropped += len(items) if count is None else count
        for item in items:
            if item[0] == "audit":
                ts = item[1].get("ts")
                if isinstance(ts, str) and (self.first_dropped_at is None
                                            or ts < self.first_dropped_at):
                    self.first_dropped_at = ts

    # -- life -----------------------------------------------------------------------------

    def start(self) -> Exporter:
        """Start the worker; the HTTP client and protobuf load there, off the caller's path."""
        self._thread = threading.Thread(target=self._run, name="otlp-export", daemon=True)
        self._thread.start()
        return self

    def _open(self) -> bool:
        """The sender, made on the worker thread. Without the extra, every record offered is
        counted as dropped and `error` says what to install."""
        if self._sender is not None:
            return True
        from approvald.telemetry import extra_missing

        missing = extra_missing()
        if missing is None:
            try:
                from approvald.telemetry.sender import OtlpSender

                self._sender = OtlpSender(self.config)
                return True
            except Exception as exc:  # a CA file that does not load, say
                missing = f"cannot send to {self.config.shown_url}: {exc}"
        log.error("export: %s", missing)
        with self._lock:
            self.error = missing
            self._closed = True
            self._lost(list(self._queue))
            self._queue.clear()
        return False

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Send what is queued if the collector takes it within `timeout`; count the rest as
        dropped. Returns within about `timeout` seconds whatever the collector does."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            self._closed = True
            left = list(self._queue)
            self._queue.clear()
            in_flight, self._in_flight = self._in_flight, 0
            self._lost(left)
            self.dropped += in_flight
        if left or in_flight:
            log.warning("export: %d record(s) not sent at stop (the audit log has them: "
                        "approvald audit export --format otlp --since %s)",
                        len(left) + in_flight, self.first_dropped_at or "<time>")
        close = getattr(self._sender, "close", None)
        if callable(close) and (self._thread is None or not self._thread.is_alive()):
            close()

    def status(self) -> dict[str, Any]:
        with self._lock:
            queued = len(self._queue) + self._in_flight
        return {"sent": self.sent, "dropped": self.dropped, "queued": queued,
                "endpoint": self.config.shown_url, "error": self.error,
                "first_dropped_at": self.first_dropped_at}

    # -- the worker -----------------------------------------------------------------------

    def _take(self) -> list[Item]:
        with self._lock:
            count = min(len(self._queue), self.config.max_batch_size)
            batch = [self._queue.popleft() for _ in range(count)]
            self._in_flight = count
        return batch

    def _run(self) -> None:
        if not self._open():
            return
        while True:
            with self._lock:
                ready = len(self._queue) >= self.config.max_batch_size
            if not ready and not self._stopping.is_set():
                self._wake.wait(self.config.schedule_delay_s)
                self._wake.clear()
            batch = self._take()
            if not batch:
                if self._stopping.is_set():
                    return
                continue
            try:
                self._deliver(batch)
            except Exception:  # never let the worker die: count the batch and go on
                log.exception("export: a batch failed unexpectedly")
                with self._lock:
                    self._lost(batch)
                    self._in_flight = 0

    def _events(self, batch: list[Item]) -> list[LogEvent]:
        events = []
        for n, item in enumerate(batch):
            if n % YIELD_EVERY == YIELD_EVERY - 1:
                time.sleep(0)  # hand the GIL to the event loop if it is waiting (see YIELD_EVERY)
            if item[0] == "audit":
                event = from_audit(item[1], self._project)
                if event is not None:
                    events.append(event)
            else:
                events.append(from_finding(item[1], resolved=item[2], time_ns=item[3]))
        return events

    def _deliver(self, batch: list[Item]) -> None:
        from approvald.telemetry.otlp import encode

        body = encode(self._events(batch), self.config.resource, pause=_yield,
                      pause_every=YIELD_EVERY)
        attempt = 0
        while True:
            outcome: Outcome = self._sender.send(body, len(batch))
            if not outcome.retry or self._stopping.is_set():
                break
            self._note_error(outcome.error)
            wait = outcome.retry_after
            if wait is None:
                wait = backoff_s(attempt, self._initial_backoff, self._max_backoff)
            attempt += 1
            if self._stopping.wait(wait):
                break
        with self._lock:
            if self._in_flight == 0:  # stop() gave up on this batch and counted it
                return
            self._in_flight = 0
            self.sent += outcome.sent
            if outcome.sent < len(batch):  # which ones a partial success refused is not said
                self._lost(batch, len(batch) - outcome.sent)
        self._note_error(outcome.error)

    def _note_error(self, error: str | None) -> None:
        if error != self.error:
            if error:
                log.warning("export: %s", error)
            elif self.error:
                log.info("export: sending again")
        self.error = error
