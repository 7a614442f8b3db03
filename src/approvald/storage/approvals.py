"""Approvals in SQLite (WAL): what was asked, who decided, and which grants still stand.

Grant semantics (the heart of "approvals cannot be replayed"):
- an approval carries one action fingerprint; approving it with scope `once` admits that
  fingerprint exactly once (`used_at` is set when it is consumed, atomically);
- scope `session` admits the same fingerprint again and again; the fingerprint already contains
  the agent session id, so another session (or command, or directory) never matches it;
- pending approvals past `expires_at` become `expired` (by the daemon's sweep, or at start).

Standard library only; every call is one short transaction, so the daemon may call it from its
event loop; SQLite's own locking keeps a CLI and a daemon consistent.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from approvald.model.approvals import Approval
from approvald.model.decisions import (
    APPROVED,
    BY_SESSION_END,
    BY_TIMEOUT,
    DENIED,
    EXPIRED,
    PENDING,
    SCOPE_ONCE,
    SCOPE_SESSION,
    SCOPES,
)
from approvald.storage.database import Database

__all__ = ["AlreadyDecided", "ApprovalStore", "StoreError", "UnknownApproval",
           "new_approval_id"]


class StoreError(Exception):
    """Base class; the message is one sentence for the operator."""


class UnknownApproval(StoreError):
    pass


class AlreadyDecided(StoreError):
    pass


def new_approval_id() -> str:
    return "ap_" + secrets.token_hex(8)


_COLUMNS = ("id, fingerprint, status, scope, created_at, expires_at, decided_at, decided_by, "
            "decision_reason, used_at, agent, session_id, cwd, tool, kind, summary, action, "
            "decision")


def _row_to_approval(row: tuple[Any, ...]) -> Approval:
    values = list(row)
    values[16] = json.loads(values[16])
    values[17] = json.loads(values[17])
    return Approval(*values)


class ApprovalStore:
    """The approvals table. Every method is one short transaction on the shared Database."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time):
        self.database = database
        self._clock = clock

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return self.database.transaction()

    def _get(self, db: sqlite3.Connection, approval_id: str) -> Approval | None:
        row = db.execute(f"SELECT {_COLUMNS} FROM approvals WHERE id = ?",
                         (approval_id,)).fetchone()
        return _row_to_approval(row) if row else None

    # -- the agent's side -------------------------------------------------------------------

    def create(self, action: dict[str, Any], decision: dict[str, Any], *, fingerprint: str,
               summary: str, timeout_s: float) -> Approval:
        now = self._clock()
        approval_id = new_approval_id()
        with self._tx() as db:
            db.execute(
                f"INSERT INTO approvals ({_COLUMNS}) VALUES "
                "(?, ?, ?, NULL, ?, ?, NULL, NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
                (approval_id, fingerprint, PENDING, now, now + timeout_s,
                 str(action.get("agent", "")), str(action.get("session_id", "")),
                 str(action.get("cwd", "")), str(action.get("tool", "")),
                 str(action.get("kind", "")), summary,
                 json.dumps(action, ensure_ascii=False), json.dumps(decision, ensure_ascii=False)),
            )
            created = self._get(db, approval_id)
        assert created is not None
        return created

    def take_grant(self, fingerprint: str,
                   accept: Callable[[Approval], bool] | None = None) -> Approval | None:
        """A standing grant for this fingerprint, consumed if it is a once-grant; None if none.

        Session grants are preferred (they are not used up); among once-grants the oldest goes.
        `accept` can refuse a candidate before it is consumed (the daemon refuses a grant whose
        policy findings differ from what the person saw).
        """
        now = self._clock()
        with self._tx() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM approvals WHERE fingerprint = ? AND status = ? AND "
                "(scope = ? OR used_at IS NULL) "
                "ORDER BY CASE scope WHEN ? THEN 0 ELSE 1 END, decided_at LIMIT 32",
                (fingerprint, APPROVED, SCOPE_SESSION, SCOPE_SESSION),
            ).fetchall()
            for row in rows:
                grant = _row_to_approval(row)
                if accept is not None and not accept(grant):
                    continue
                if grant.scope != SCOPE_SESSION or grant.used_at is None:
                    db.execute("UPDATE approvals SET used_at = ? WHERE id = ?", (now, grant.id))
                return self._get(db, grant.id)
        return None

    def consume(self, approval_id: str) -> bool:
        """The waiting hook uses its own approval: True when this call used it (or it is a
        session grant), False when it was not approved or a once-grant was already used."""
        now = self._clock()
        with self._tx() as db:
            approval = self._get(db, approval_id)
            if approval is None or not approval.is_standing_grant:
                return False
            if approval.used_at is None:
                db.execute("UPDATE approvals SET used_at = ? WHERE id = ?", (now, approval_id))
            return True

    # -- the operator's side ----------------------------------------------------------------

    def decide(self, approval_id: str, status: str, *, by: str, scope: str | None = None,
               reason: str | None = None) -> Approval:
        if status not in (APPROVED, DENIED, EXPIRED):
            raise ValueError(f"cannot decide to {status!r}")
        if status == APPROVED:
            scope = scope or SCOPE_ONCE
            if scope not in SCOPES:
                raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
        else:
            scope = None
        now = self._clock()
        with self._tx() as db:
            current = self._get(db, approval_id)
            if current is None:
                raise UnknownApproval(f"no approval {approval_id}")
            if current.status != PENDING:
                raise AlreadyDecided(f"approval {approval_id} is already {current.status}")
            db.execute(
                "UPDATE approvals SET status = ?, scope = ?, decided_at = ?, decided_by = ?, "
                "decision_reason = ? WHERE id = ?",
                (status, scope, now, by, reason, approval_id),
            )
            decided = self._get(db, approval_id)
        assert decided is not None
        return decided

    def expire_due(self) -> list[Approval]:
        """Pending approvals past their deadline become expired; returns those."""
        now = self._clock()
        with self._tx() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM approvals WHERE status = ? AND expires_at <= ?",
                (PENDING, now),
            ).fetchall()
            if not rows:
                return []
            db.execute(
                "UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, "
                "decision_reason = 'no decision within ' || "
                "CAST(ROUND(expires_at - created_at) AS INTEGER) || ' s' "
                "WHERE status = ? AND expires_at <= ?",
                (EXPIRED, now, BY_TIMEOUT, PENDING, now),
            )
            ids = [r[0] for r in rows]
            expired = [self._get(db, i) for i in ids]
        return [a for a in expired if a is not None]

    def expire_session(self, session_id: str, *, reason: str,
                       by: str = BY_SESSION_END) -> list[Approval]:
        """The session's pending approvals become expired at once (it ended); returns those."""
        now = self._clock()
        with self._tx() as db:
            ids = [r[0] for r in db.execute(
                "SELECT id FROM approvals WHERE status = ? AND session_id = ?",
                (PENDING, session_id)).fetchall()]
            if not ids:
                return []
            db.execute(
                "UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, "
                "decision_reason = ? WHERE status = ? AND session_id = ?",
                (EXPIRED, now, by, reason, PENDING, session_id))
            expired = [self._get(db, i) for i in ids]
        return [a for a in expired if a is not None]

    # -- reading ----------------------------------------------------------------------------

    def get(self, approval_id: str) -> Approval | None:
        with self.database.reading() as db:
            return self._get(db, approval_id)

    def list(self, status: str = PENDING, limit: int = 1000) -> list[Approval]:
        """Oldest first. `status` is one of STATUSES or `all` (then the newest `limit`)."""
        with self.database.reading() as db:
            if status == "all":
                rows = db.execute(
                    f"SELECT * FROM (SELECT {_COLUMNS} FROM approvals "
                    "ORDER BY created_at DESC LIMIT ?) ORDER BY created_at", (limit,)
                ).fetchall()
            else:
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM approvals WHERE status = ? "
                    "ORDER BY created_at LIMIT ?", (status, limit)
                ).fetchall()
        return [_row_to_approval(r) for r in rows]

    def count(self, status: str = PENDING) -> int:
        with self.database.reading() as db:
            row = db.execute("SELECT COUNT(*) FROM approvals WHERE status = ?",
                                   (status,)).fetchone()
        return int(row[0])
