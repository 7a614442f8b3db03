"""Everything a daemon request handler may use, in one object (`DaemonContext`).

Routes (ours and the ones other parts add: leases, doctor findings) get the context and use
`ctx.paths`, `ctx.config`, `ctx.store`, `ctx.audit`, `ctx.events.publish(type, data)`,
`ctx.engine` (the policy in force) and `ctx.reload_policy()`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from approvald import __version__
from approvald.config import Config
from approvald.daemon.events import EventBus
from approvald.paths import Paths
from approvald.store import Approval, Store, iso

log = logging.getLogger("approvald.daemon")


class Engine(Protocol):
    policy_hash: str

    def evaluate(self, action: Any) -> Any: ...


class AuditSink(Protocol):
    def append(self, record: dict[str, Any]) -> Any: ...


class AuditWriter:
    """Appends audit records on one background thread, in order, so a slow disk (the log
    locks and may fsync) never stalls the event loop. `close()` writes what is queued first.

    A record that cannot be written (a full disk, a read-only mount) is held, in order, and
    retried every RETRY_S until it goes through; meanwhile `failure` says why, and the daemon
    refuses every action rather than act without a record.
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
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def append(self, record: dict[str, Any]) -> None:
        self._queue.put(record)

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
                self._sink.append(self._held[0])
            except Exception as exc:
                self.errors += 1
                if self.failure is None:
                    log.error("audit: cannot write (%s); holding records and refusing actions "
                              "until it can", exc)
                self.failure = f"{type(exc).__name__}: {exc}"
                return
            self._held.popleft()
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


# What a waiting /v1/decide gets when the daemon stops under it.
STOPPING = "stopping"


class DaemonContext:
    def __init__(self, *, paths: Paths, config: Config, store: Store, audit: AuditSink,
                 engine_loader: Callable[[], Engine], events: EventBus | None = None,
                 token: str = "", socket: str = "", client_token: str = ""):
        self.paths = paths
        self.config = config
        self.store = store
        self.audit = audit
        self.events = events or EventBus()
        self.token = token
        # Over TCP every request must carry it (X-Approvald-Client); empty on a Unix socket.
        self.client_token = client_token
        self.socket = socket or paths.socket
        self.pid = os.getpid()
        self.started_at = time.time()
        self._engine_loader = engine_loader
        self._engine: Engine | None = None
        self._reload_lock = threading.Lock()
        self.policy_error: str | None = None
        self.sessions: set[str] = set()
        self.stopping = False
        # approval id -> future resolved with the decided Approval (or STOPPING)
        self.waiters: dict[str, asyncio.Future[Approval | str]] = {}
        self.decisions = 0
        # The live doctor (daemon/doctor_watch.py) once the daemon runs; None in tests.
        self.doctor: Any = None

    # -- policy -----------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("no policy loaded")
        return self._engine

    @property
    def has_engine(self) -> bool:
        return self._engine is not None

    @property
    def policy_hash(self) -> str | None:
        return self._engine.policy_hash if self._engine is not None else None

    def reload_policy(self) -> tuple[str | None, str | None]:
        """Load the policy again; a broken one keeps the last good engine in force.
        Returns (policy_hash in force, error or None). Blocking: call it off the loop."""
        with self._reload_lock:  # one at a time: the latest reload is the one in force
            return self._reload_policy_locked()

    def _reload_policy_locked(self) -> tuple[str | None, str | None]:
        try:
            engine = self._engine_loader()
        except Exception as exc:  # PolicyError, and anything a broken file can raise
            self.policy_error = str(exc) or type(exc).__name__
            log.error("policy not reloaded, keeping %s: %s", self.policy_hash, self.policy_error)
            self.events.publish_threadsafe("policy.error", {
                "error": self.policy_error, "policy_hash": self.policy_hash})
            return self.policy_hash, self.policy_error
        changed = self._engine is None or engine.policy_hash != self._engine.policy_hash
        self._engine = engine
        self.policy_error = None
        if changed:
            log.info("policy loaded: %s", engine.policy_hash)
        self.events.publish_threadsafe("policy.reloaded", {"policy_hash": engine.policy_hash})
        return engine.policy_hash, None

    # -- approvals --------------------------------------------------------------------------

    def wake(self, approval: Approval) -> None:
        """A decided approval wakes only the request waiting for it."""
        waiter = self.waiters.get(approval.id)
        if waiter is not None and not waiter.done():
            waiter.set_result(approval)

    def approval_decided(self, approval: Approval) -> None:
        """Tell everyone: the waiter, the event stream, the audit log."""
        self.wake(approval)
        data = approval.to_json()
        self.events.publish("approval.decided", data)
        self.audit.append({
            "event": "approval.decided", "approval_id": approval.id,
            "status": approval.status, "scope": approval.scope,
            "decided_by": approval.decided_by, "decision_reason": approval.decision_reason,
            "agent": approval.agent, "session_id": approval.session_id, "cwd": approval.cwd,
            "tool": approval.tool, "kind": approval.kind, "summary": approval.summary,
            "fingerprint": approval.fingerprint,
            "policy_hash": approval.decision.get("policy_hash", ""),
            "rules": list(approval.decision.get("rules", [])),
            "reason": approval.decision.get("reason", ""),
        })

    def expire_due(self) -> list[Approval]:
        expired = self.store.expire_due()
        for approval in expired:
            log.info("approval %s expired", approval.id)
            self.approval_decided(approval)
        return expired

    def stop_waiters(self) -> None:
        self.stopping = True
        for waiter in list(self.waiters.values()):
            if not waiter.done():
                waiter.set_result(STOPPING)

    # -- status -----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "running": True,
            "version": __version__,
            "pid": self.pid,
            "home": str(self.paths.home),
            "socket": self.socket,
            "started_at": iso(self.started_at),
            "policy_hash": self.policy_hash,
            "policy_error": self.policy_error,
            "sessions": len(self.sessions),
            "pending": self.store.count(),
            "approval_timeout_s": self.config.approval_timeout_s,
            "decisions": self.decisions,
            "subscribers": self.events.subscriber_count,
            "audit_error": self.audit_failure,
        }

    @property
    def audit_failure(self) -> str | None:
        """Why the audit log cannot be written right now (None when it can)."""
        failure = getattr(self.audit, "failure", None)
        return failure if isinstance(failure, str) else None
