"""Approvals in SQLite (WAL): what was asked, who decided, and which grants still stand.

Grant semantics (the heart of "approvals cannot be replayed"):
- an approval carries one action fingerprint; approving it with scope `once` admits that
  fingerprint exactly once (`used_at` is set when it is consumed, atomically), and a once-grant
  nobody used within ONCE_GRANT_TTL_S of the approval admits nothing more;
- scope `session` admits the same fingerprint again and again; the fingerprint already contains
  the agent session id, so another session (or command, or directory) never matches it;
- an approval whose agent stopped waiting (`agent_gone_at`) leaves no grant when approved;
- the person may revoke a standing grant (`revoked_at`);
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
    BY_DAEMON,
    BY_SESSION_END,
    BY_TIMEOUT,
    DENIED,
    EXPIRED,
    GRANT_EXPIRED,
    GRANT_NONE,
    GRANT_REVOKED,
    GRANT_STANDING,
    GRANT_USED,
    ONCE_GRANT_TTL_S,
    PENDING,
    SCOPE_ONCE,
    SCOPE_SESSION,
    SCOPES,
)
from approvald.storage.database import Database
from approvald.storage.ids import IdAmbiguous, IdNotFound, resolve_prefix

__all__ = ["AlreadyDecided", "AmbiguousId", "ApprovalStore", "NotAGrant", "StoreError",
           "UnknownApproval", "new_approval_id"]


class StoreError(Exception):
    """Base class; the message is one sentence for the operator."""


class UnknownApproval(StoreError):
    pass


class AlreadyDecided(StoreError):
    pass


class AmbiguousId(StoreError):
    """A prefix that starts more than one id."""


class NotAGrant(StoreError):
    """Revoking what is not a standing grant (denied, used up, revoked already...)."""


ID_PREFIX = "ap_"


def new_approval_id() -> str:
    return "ap_" + secrets.token_hex(8)


_COLUMNS = ("id, fingerprint, status, scope, created_at, expires_at, decided_at, decided_by, "
            "decision_reason, used_at, agent, session_id, cwd, tool, kind, summary, action, "
            "decision, agent_gone_at, revoked_at, revoked_by, use_count")
# A grant that may still admit its fingerprint at time ? (a session grant, or an unused
# once-grant approved after ?), and whose agent was there to receive it.
_STANDING = ("status = 'approved' AND revoked_at IS NULL AND agent_gone_at IS NULL AND "
             "(scope = 'session' OR (used_at IS NULL AND decided_at > ?))")


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
                "(?, ?, ?, NULL, ?, ?, NULL, NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, "
                "NULL, NULL, NULL, 0)",
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
                f"SELECT {_COLUMNS} FROM approvals WHERE fingerprint = ? AND {_STANDING} "
                "ORDER BY CASE scope WHEN ? THEN 0 ELSE 1 END, decided_at LIMIT 32",
                (fingerprint, now - ONCE_GRANT_TTL_S, SCOPE_SESSION),
            ).fetchall()
            for row in rows:
                grant = _row_to_approval(row)
                if accept is not None and not accept(grant):
                    continue
                self._use(db, grant.id, now)
                return self._get(db, grant.id)
        return None

    @staticmethod
    def _use(db: sqlite3.Connection, approval_id: str, now: float) -> None:
        db.execute("UPDATE approvals SET used_at = COALESCE(used_at, ?), "
                   "use_count = use_count + 1 WHERE id = ?", (now, approval_id))

    def consume(self, approval_id: str) -> bool:
        """The waiting hook uses its own approval: True when this call used it (or it is a
        session grant), False when it was not approved or a once-grant was already used."""
        now = self._clock()
        with self._tx() as db:
            approval = self._get(db, approval_id)
            if approval is None or approval.grant(now) != GRANT_STANDING:
                return False
            self._use(db, approval_id, now)
            return True

    def mark_gone(self, approval_id: str) -> Approval | None:
        """The asking agent stopped waiting: the pending approval is marked (and will leave no
        grant if approved). None when it is no longer pending."""
        now = self._clock()
        with self._tx() as db:
            cursor = db.execute("UPDATE approvals SET agent_gone_at = ? WHERE id = ? AND "
                                "status = ? AND agent_gone_at IS NULL",
                                (now, approval_id, PENDING))
            return self._get(db, approval_id) if cursor.rowcount else None

    def mark_all_gone(self) -> list[Approval]:
        """At the daemon's start: no hook waits on a daemon that just started, so every pending
        approval's agent is gone (the stopping daemon answered them all)."""
        now = self._clock()
        with self._tx() as db:
            ids = [r[0] for r in db.execute(
                "SELECT id FROM approvals WHERE status = ? AND agent_gone_at IS NULL",
                (PENDING,))]
            db.execute("UPDATE approvals SET agent_gone_at = ? WHERE status = ? AND "
                       "agent_gone_at IS NULL", (now, PENDING))
            found = [self._get(db, i) for i in ids]
        return [a for a in found if a is not None]

    def close_superseded(self, fingerprint: str, new_id: str) -> list[Approval]:
        """The agent asked again for an action whose earlier request it had stopped waiting
        for: the earlier one closes (expired, by the daemon), so one row stands for it."""
        now = self._clock()
        reason = f"the agent asked again ({new_id})"
        with self._tx() as db:
            ids = [r[0] for r in db.execute(
                "SELECT id FROM approvals WHERE fingerprint = ? AND status = ? AND "
                "agent_gone_at IS NOT NULL AND id != ?", (fingerprint, PENDING, new_id))]
            for approval_id in ids:
                db.execute("UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, "
                           "decision_reason = ? WHERE id = ?",
                           (EXPIRED, now, BY_DAEMON, reason, approval_id))
            found = [self._get(db, i) for i in ids]
        return [a for a in found if a is not None]

    def revoke(self, approval_id: str, *, by: str) -> Approval:
        """Withdraw a standing grant: it admits nothing more."""
        now = self._clock()
        with self._tx() as db:
            current = self._get(db, approval_id)
            if current is None:
                raise UnknownApproval(f"no approval {approval_id}")
            state = current.grant(now)
            if state != GRANT_STANDING:
                what = {None: f"is {current.status}, not approved",
                        GRANT_USED: "was used already", GRANT_REVOKED: "is revoked already",
                        GRANT_EXPIRED: "ran out unused already",
                        GRANT_NONE: "left no grant (its agent had stopped waiting)"}
                raise NotAGrant(f"approval {approval_id} {what.get(state, 'is not a grant')}")
            db.execute("UPDATE approvals SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                       (now, by, approval_id))
            revoked = self._get(db, approval_id)
        assert revoked is not None
        return revoked

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

    def grants(self, standing_only: bool = True, limit: int = 200) -> list[Approval]:
        """Approved approvals, newest decision first: the grants that still stand, or (with
        `standing_only` false) the latest approved ones whatever became of their grant."""
        now = self._clock()
        with self.database.reading() as db:
            if standing_only:
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM approvals WHERE {_STANDING} "
                    "ORDER BY decided_at DESC LIMIT ?", (now - ONCE_GRANT_TTL_S, limit)
                ).fetchall()
            else:
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM approvals WHERE status = ? "
                    "ORDER BY decided_at DESC LIMIT ?", (APPROVED, limit)).fetchall()
        return [_row_to_approval(r) for r in rows]

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

    def resolve(self, given: str) -> str:
        """The one id that `given` is, or starts (with or without `ap_`). UnknownApproval when
        none does, AmbiguousId when several do."""
        with self.database.reading() as db:
            try:
                return resolve_prefix(db, "approvals", given, ID_PREFIX)
            except IdNotFound:
                raise UnknownApproval(f"no approval {given.strip()}") from None
            except IdAmbiguous as exc:
                raise AmbiguousId(f"{exc} (approvals)") from None

    def count(self, status: str = PENDING) -> int:
        with self.database.reading() as db:
            row = db.execute("SELECT COUNT(*) FROM approvals WHERE status = ?",
                                   (status,)).fetchone()
        return int(row[0])
