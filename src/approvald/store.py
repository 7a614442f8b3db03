"""Approvals in SQLite (WAL): what was asked, who decided, and which grants still stand.

Grant semantics (the heart of "approvals cannot be replayed"):
- an approval carries one action fingerprint; approving it with scope `once` admits that
  fingerprint exactly once (`used_at` is set when it is consumed, atomically);
- scope `session` admits the same fingerprint again and again; the fingerprint already contains
  the agent session id, so another session (or command, or directory) never matches it;
- pending approvals past `expires_at` become `expired` (by the daemon's sweep, or at start).

Standard library only; every call is one short transaction, so the daemon may call it from its
event loop. One Store per process; SQLite's own locking keeps a CLI and a daemon consistent.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

PENDING = "pending"
APPROVED = "approved"
DENIED = "denied"
EXPIRED = "expired"
STATUSES = (PENDING, APPROVED, DENIED, EXPIRED)
SCOPE_ONCE = "once"
SCOPE_SESSION = "session"
SCOPES = (SCOPE_ONCE, SCOPE_SESSION)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    scope TEXT,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    decided_at REAL,
    decided_by TEXT,
    decision_reason TEXT,
    used_at REAL,
    agent TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '',
    cwd TEXT NOT NULL DEFAULT '',
    tool TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    decision TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_fingerprint ON approvals (fingerprint, status);
CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, created_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
SCHEMA_VERSION = "1"


class StoreError(Exception):
    """Base class; the message is one sentence for the operator."""


class UnknownApproval(StoreError):
    pass


class AlreadyDecided(StoreError):
    pass


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="milliseconds")


def new_approval_id() -> str:
    return "ap_" + secrets.token_hex(8)


@dataclass(frozen=True)
class Approval:
    id: str
    fingerprint: str
    status: str
    scope: str | None
    created_at: float
    expires_at: float
    decided_at: float | None
    decided_by: str | None
    decision_reason: str | None
    used_at: float | None
    agent: str
    session_id: str
    cwd: str
    tool: str
    kind: str
    summary: str
    action: dict[str, Any]
    decision: dict[str, Any]  # the policy Decision's JSON that asked for this approval

    @property
    def is_standing_grant(self) -> bool:
        """Approved and still able to admit its fingerprint."""
        if self.status != APPROVED:
            return False
        return self.scope == SCOPE_SESSION or self.used_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "fingerprint": self.fingerprint,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "decided_at": iso(self.decided_at),
            "decided_by": self.decided_by,
            "decision_reason": self.decision_reason,
            "scope": self.scope,
            "used_at": iso(self.used_at),
            "agent": self.agent,
            "session_id": self.session_id,
            "cwd": self.cwd,
            "tool": self.tool,
            "kind": self.kind,
            "summary": self.summary,
            "rules": list(self.decision.get("rules", [])),
            "reason": self.decision.get("reason", ""),
            "trigger": self.decision.get("trigger"),
            "policy_hash": self.decision.get("policy_hash", ""),
            "action": self.action,
        }


_COLUMNS = ("id, fingerprint, status, scope, created_at, expires_at, decided_at, decided_by, "
            "decision_reason, used_at, agent, session_id, cwd, tool, kind, summary, action, "
            "decision")


def _row_to_approval(row: tuple[Any, ...]) -> Approval:
    values = list(row)
    values[16] = json.loads(values[16])
    values[17] = json.loads(values[17])
    return Approval(*values)


class Store:
    def __init__(self, path: Path, clock: Any = time.time):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()  # one connection, shared by the loop and worker threads
        self._db = sqlite3.connect(str(self.path), timeout=10, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)",
                         (SCHEMA_VERSION,))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: check-then-update steps stay atomic across processes."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

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
                "UPDATE approvals SET status = ?, decided_at = ?, decided_by = 'timeout', "
                "decision_reason = 'no decision within ' || "
                "CAST(ROUND(expires_at - created_at) AS INTEGER) || ' s' "
                "WHERE status = ? AND expires_at <= ?",
                (EXPIRED, now, PENDING, now),
            )
            ids = [r[0] for r in rows]
            expired = [self._get(db, i) for i in ids]
        return [a for a in expired if a is not None]

    # -- reading ----------------------------------------------------------------------------

    def get(self, approval_id: str) -> Approval | None:
        with self._lock:
            return self._get(self._db, approval_id)

    def list(self, status: str = PENDING, limit: int = 1000) -> list[Approval]:
        """Oldest first. `status` is one of STATUSES or `all` (then the newest `limit`)."""
        with self._lock:
            if status == "all":
                rows = self._db.execute(
                    f"SELECT * FROM (SELECT {_COLUMNS} FROM approvals "
                    "ORDER BY created_at DESC LIMIT ?) ORDER BY created_at", (limit,)
                ).fetchall()
            else:
                rows = self._db.execute(
                    f"SELECT {_COLUMNS} FROM approvals WHERE status = ? "
                    "ORDER BY created_at LIMIT ?", (status, limit)
                ).fetchall()
        return [_row_to_approval(r) for r in rows]

    def count(self, status: str = PENDING) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM approvals WHERE status = ?",
                                   (status,)).fetchone()
        return int(row[0])
