"""Audit records written on one background thread, in order, so a slow disk never stalls the
daemon's event loop."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("approvald.audit")


class AuditSink(Protocol):
    def append(self, record: dict[str, Any]) -> Any: ...


class AuditWriter:
    """Appends audit records on one background thread, in order, so a slow disk (the log
    locks and may fsync) never stalls the event loop. `close()` writes what is queued first.

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
        # records, a threading.Event (flush marker) or None (stop)
        self._queue: queue.Queue[Any] = queue.Queue()
        self._held: deque[dict[str, Any]] = deque()
        self.failure: str | None = None
        self.errors = 0
        self.dropped = 0
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def append(self, record: dict[str, Any]) -> None:
        self._queue.put(record)

    def add_listener(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._listeners = [*self._listeners, listener]

    def remove_listener(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._listeners = [f for f in self._listeners if f is not listener]

    def _tell(self, written: dict[str, Any]) -> None:
        for listener in self._listeners:
            try:
                listener(written)
            except Exception:
                log.exception("audit: a listener failed")

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self.RETRY_S if self._held else None)
            except queue.Empty:
                self._drain()
                continue
            if item is None:
                self._drain()
                return
            if isinstance(item, threading.Event):
                self._drain()
                item.set()
                continue
            if len(self._held) >= self.MAX_HELD:
                self._held.popleft()
                self.dropped += 1
            self._held.append(item)
            self._drain()

    def _drain(self) -> None:
        while self._held:
            try:
                written = self._sink.append(self._held[0])
            except Exception as exc:
                self.errors += 1
                if self.failure is None:
                    log.error("audit: cannot write (%s); holding records and refusing actions "
                              "until it can", exc)
                self.failure = f"{type(exc).__name__}: {exc}"
                return
            self._held.popleft()
            if self._listeners and isinstance(written, dict):
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
