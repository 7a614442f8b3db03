"""Audit records written on one background thread, in order, so a slow disk never stalls the
daemon's event loop."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

log = logging.getLogger("approvald.audit")


class AuditSink(Protocol):
    def append(self, record: dict[str, Any]) -> Any: ...


class AuditWriter:
    """Appends audit records on one background thread, in order, so a slow disk (the log
    locks and syncs) never stalls the event loop. Records queued together are written
    together: one write and one sync for the lot (a group commit), so syncing every record
    costs concurrent requests one sync between them, not one each. `close()` writes what is
    queued first.

    `barrier()` is a future that completes once everything queued before it is written (and
    synced, when the log syncs); it fails while records are held. The daemon answers nothing
    that lets an action run before its barrier completes (docs/SECURITY.md).

    A record that cannot be written (a full disk, a read-only mount) is held, in order, and
    retried every RETRY_S until it goes through; meanwhile `failure` says why, and the daemon
    refuses every action rather than act without a record.

    Listeners (`add_listener`) get each record as written (chained and redacted), in order, on
    this thread, once it is in the log: they must return at once (the OTLP exporter queues it).
    """

    RETRY_S = 2.0
    MAX_HELD = 100_000

    def __init__(self, sink: AuditSink):
        self._sink = sink
        # records, a threading.Event (flush marker), a Future (barrier) or None (stop)
        self._queue: queue.Queue[Any] = queue.Queue()
        self._held: deque[dict[str, Any]] = deque()
        self.failure: str | None = None
        self.errors = 0
        self.dropped = 0
        self.commits = 0
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        # The queued barrier not yet taken by the writer; the lock orders taking a batch
        # against handing that barrier out again.
        self._pending: Future[None] | None = None
        self._taking = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def append(self, record: dict[str, Any]) -> None:
        self._queue.put(record)

    def add_listener(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._listeners = [*self._listeners, listener]

    def remove_listener(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._listeners = [f for f in self._listeners if f is not listener]

    def _tell(self, written: list[Any]) -> None:
        for record in written:
            if not isinstance(record, dict):
                continue
            for listener in self._listeners:
                try:
                    listener(record)
                except Exception:
                    log.exception("audit: a listener failed")

    def barrier(self) -> Future[None]:
        """Completes once everything appended before this call is written (and synced).
        Barriers asked for while one is queued and not yet taken by the writer are that same
        one: the writer takes everything queued up to it, so it covers their records too, and
        a burst of decisions costs one completion, not one each."""
        with self._taking:
            if self._pending is None or self._pending.done():  # done: cancelled by a waiter
                self._pending = Future()
                self._queue.put(self._pending)
            return self._pending

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.RETRY_S if self._held else None)
            except queue.Empty:
                self._drain()
                continue
            batch = [first]
            with self._taking:
                while True:  # everything queued meanwhile joins this commit
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                if any(item is self._pending for item in batch):
                    self._pending = None
            stop = False
            markers: list[Any] = []
            for item in batch:
                if item is None:
                    stop = True
                elif isinstance(item, (threading.Event, Future)):
                    markers.append(item)
                else:
                    if len(self._held) >= self.MAX_HELD:
                        self._held.popleft()
                        self.dropped += 1
                    self._held.append(item)
            self._drain()
            for marker in markers:
                if isinstance(marker, threading.Event):
                    marker.set()
                elif marker.done():
                    # A waiter gave up on it (cancelled): setting it would raise and end
                    # this thread, and with it every later record.
                    continue
                elif self._held:
                    marker.set_exception(OSError(self.failure or "audit records are held"))
                else:
                    marker.set_result(None)
            if stop:
                return

    def _drain(self) -> None:
        many = getattr(self._sink, "append_many", None)
        while self._held:
            try:
                if many is not None:
                    written = many(list(self._held))
                    self._held.clear()
                else:
                    written = [self._sink.append(self._held[0])]
                    self._held.popleft()
                self.commits += 1
            except Exception as exc:
                self.errors += 1
                if self.failure is None:
                    log.error("audit: cannot write (%s); holding records and refusing actions "
                              "until it can", exc)
                self.failure = f"{type(exc).__name__}: {exc}"
                return
            if self._listeners and isinstance(written, list):
                self._tell(written)
        if self.failure is not None:
            log.warning("audit: writing again; held records are in the log")
            self.failure = None

    @property
    def held(self) -> int:
        return len(self._held)

    def flush(self, timeout: float = 10.0) -> bool:
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)
        close = getattr(self._sink, "close", None)
        if callable(close):
            close()
