"""Messages the event-stream worker posts to the app (the worker never touches widgets)."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class Connected(Message):
    """The stream is open and the initial state is loaded."""

    def __init__(self, status: dict[str, Any], pending: list[dict[str, Any]],
                 decided: list[dict[str, Any]], activity: list[dict[str, Any]],
                 leases: list[dict[str, Any]] | None = None,
                 findings: list[dict[str, Any]] | None = None,
                 pins: list[dict[str, Any]] | None = None,
                 sessions: list[dict[str, Any]] | None = None,
                 grants: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.status = status
        self.pending = pending
        self.decided = decided
        self.activity = activity
        self.leases = leases  # None: the daemon cannot list them (keep what events said)
        self.findings = findings
        self.pins = pins  # None: the daemon has no pins API
        self.sessions = sessions  # None: the daemon cannot list them (events still come)
        self.grants = grants  # None: the daemon cannot list them


class Disconnected(Message):
    """No daemon, or the stream broke; the worker retries after `retry_in` seconds."""

    def __init__(self, error: str, retry_in: float) -> None:
        super().__init__()
        self.error = error
        self.retry_in = retry_in


class DaemonEvent(Message):
    """One event from GET /v1/events."""

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__()
        self.event = event


class DecisionFailed(Message):
    """Approving or denying did not work (already decided, daemon gone, ...)."""

    def __init__(self, approval_id: str, error: str, status: int | None,
                 code: str | None = None) -> None:
        super().__init__()
        self.approval_id = approval_id
        self.error = error
        self.status = status
        self.code = code  # the daemon's error code (`not_proposable`, ...), when it gave one


class DecisionDone(Message):
    """The daemon accepted a decision and sent back the updated approval."""

    def __init__(self, approval: dict[str, Any]) -> None:
        super().__init__()
        self.approval = approval
