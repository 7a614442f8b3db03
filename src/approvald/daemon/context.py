"""Everything a daemon request handler may use, in one object (`DaemonContext`).

Routes get the context as `request.app.state.ctx` and use `ctx.settings`, `ctx.approvals`
(the approvals table), `ctx.credentials` (the credential use cases), `ctx.pins` (the MCP
tool pins), `ctx.audit`,
`ctx.events.publish(type, data)`, `ctx.engine` (the policy in force) and `ctx.reload_policy()`.
Services (`approvald.daemon.services`) start and stop around the running server and may set
what they offer here (`ctx.doctor`, `ctx.export`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from approvald import __version__
from approvald.audit.background import AuditSink
from approvald.daemon.evaluator import Evaluator, ThreadEvaluator
from approvald.daemon.events import EventBus
from approvald.daemon.guard import OperatorGuard
from approvald.daemon.mcp_relay import McpRelay
from approvald.model import events as event_names
from approvald.model.approvals import Approval
from approvald.model.clock import iso
from approvald.model.records import approval_record
from approvald.paths import Paths
from approvald.secrets.service import CredentialService
from approvald.settings import Settings
from approvald.storage.approvals import ApprovalStore
from approvald.storage.database import Database
from approvald.storage.leases import LeaseStore
from approvald.storage.pins import PinBook, PinStore

if TYPE_CHECKING:
    from approvald.daemon.doctor_watch import DoctorWatch
    from approvald.telemetry.exporter import Exporter

log = logging.getLogger("approvald.daemon")


class Engine(Protocol):
    policy_hash: str

    def evaluate(self, action: Any) -> Any: ...


# What a waiting /v1/decide gets when the daemon stops under it.
STOPPING = "stopping"


class DaemonContext:
    def __init__(self, *, paths: Paths, settings: Settings, database: Database,
                 audit: AuditSink, engine_loader: Callable[[], Engine],
                 events: EventBus | None = None, token: str = "", socket: str = "",
                 client_token: str = "", guard: OperatorGuard | None = None):
        self.paths = paths
        self.settings = settings
        self.database = database
        self.approvals = ApprovalStore(database)
        self.audit = audit
        self.events = events or EventBus()
        self.credentials = CredentialService(LeaseStore(database), self.report)
        self.pins = PinBook(PinStore(database), self.report)
        # A person's approval of an MCP call at the hook, for the gateway's check of the same.
        self.mcp_relay = McpRelay()
        self.token = token
        # Which processes are agents; refuses them the operator's side (docs/SECURITY.md).
        # Without one given (in-process tests, with no connections) an unidentified peer passes.
        self.guard = guard or OperatorGuard(require_peer=False)
        # Where actions are evaluated: worker processes in the running daemon (server.py);
        # a budgeted thread otherwise.
        self.evaluator: Evaluator = ThreadEvaluator(lambda: self.engine)
        # Called (from any thread) after a reload changed the policy in force.
        self.on_policy_change: Callable[[], None] | None = None
        # pid -> open event streams: those processes are the dashboard (`decided_by`).
        self.dashboards: Counter[int] = Counter()
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
        # Live agent sessions: project, permission mode, the agent's process.
        from approvald.daemon.config_guard import ConfigGuard
        from approvald.daemon.sessions import SessionRegistry

        self.agent_sessions = SessionRegistry(self)
        # What each session's settings files covered: ConfigChange is judged against it.
        self.config_guard = ConfigGuard()
        from approvald.daemon.prompts import OpenPrompts

        # The agents' own permission prompts waiting here too (daemon/prompts.py).
        self.open_prompts = OpenPrompts(self)
        self.stopping = False
        # approval id -> future resolved with the decided Approval (or STOPPING)
        self.waiters: dict[str, asyncio.Future[Approval | str]] = {}
        self.decisions = 0
        self.evaluating = 0  # decisions being evaluated now (each appends a record next)
        # The live doctor once its service runs; None in tests and with the watch turned off.
        self.doctor: DoctorWatch | None = None
        # The OTLP exporter while export is on (approvald.daemon.export); its counts are in status.
        self.export: Exporter | None = None

    def report(self, record: dict[str, Any], event: str | None = None,
               data: dict[str, Any] | None = None) -> None:
        """Append `record` to the audit log and, with `event`, publish `data` to every
        subscriber. Safe from any thread."""
        self.audit.append(record)
        if event is not None:
            self.events.publish_threadsafe(event, data if data is not None else record)

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
            self.events.publish_threadsafe(event_names.POLICY_ERROR, {
                "error": self.policy_error, "policy_hash": self.policy_hash})
            return self.policy_hash, self.policy_error
        changed = self._engine is None or engine.policy_hash != self._engine.policy_hash
        self._engine = engine
        self.policy_error = None
        if changed:
            log.info("policy loaded: %s", engine.policy_hash)
            if self.on_policy_change is not None:
                self.on_policy_change()
        self.events.publish_threadsafe(event_names.POLICY_RELOADED,
                                       {"policy_hash": engine.policy_hash})
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
        self.approval_changed(approval, event_names.APPROVAL_DECIDED)

    def approval_changed(self, approval: Approval, event: str) -> None:
        """The event stream and the audit log learn what became of an approval (`event`:
        approval.decided, approval.agent_gone, approval.revoked)."""
        self.events.publish(event, approval.to_json())
        self.audit.append(approval_record(approval, event))

    def expire_due(self) -> list[Approval]:
        expired = self.approvals.expire_due()
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
            "pending": self.approvals.count(),
            "approval_timeout_s": self.settings.approval_timeout_s,
            "decisions": self.decisions,
            "subscribers": self.events.subscriber_count,
            "audit_error": self.audit_failure,
            **({"export": self.export.status()} if self.export is not None else {}),
        }

    @property
    def audit_failure(self) -> str | None:
        """Why the audit log cannot be written right now (None when it can)."""
        failure = getattr(self.audit, "failure", None)
        return failure if isinstance(failure, str) else None
