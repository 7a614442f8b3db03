"""Leases: short-lived ids that stand for a secret, with optional bindings.

A lease names a secret and carries:
- an expiry (`ttl_s` after creation; checked at every resolution, so it takes effect at once);
- optionally a session binding (only an `exec` whose agent session id matches may use it);
- optionally a program pattern (`gh *`: fnmatch against the command line `exec` will run; the
  line is matched as written and with the program's directory dropped, so `/usr/bin/gh pr` is
  also `gh pr`);
- optionally single use (the first successful resolution consumes it).
Revocation is a timestamp; a revoked, expired or consumed lease never resolves again.

Secret metadata (`secrets_meta`: name, description, times) is kept beside them: what
`secrets list` shows. Never a value.

`resolve` checks every lease of one `exec` and reads the values inside one IMMEDIATE
transaction: two concurrent resolutions of a single-use lease cannot both succeed, and an
`exec` with several leases gets all of its values or none.
"""

from __future__ import annotations

import fnmatch
import os
import secrets
import shlex
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from approvald.model.clock import iso
from approvald.model.leases import (
    ACTIVE,
    EXPIRED,
    REVOKED,
    USED,
    Lease,
    SecretMeta,
    validate_name,
)
from approvald.storage.database import Database
from approvald.storage.ids import IdAmbiguous, IdNotFound, resolve_prefix

MAX_TTL_S = 7 * 24 * 3600
MAX_PATTERN_LEN = 1000

_COLUMNS = ("id, name, created_at, expires_at, ttl_s, session_id, for_pattern, single_use, "
            "requested_by, revoked_at, revoked_by, used_at, use_count, expiry_recorded")
_META_COLUMNS = "name, description, created_at, updated_at, last_leased_at, last_used_at"
_ACTIVE_WHERE = "revoked_at IS NULL AND expires_at > ? AND NOT (single_use AND use_count > 0)"


class LeaseError(Exception):
    """A lease operation refused; `code` tells which way, the message says it to a person."""

    HTTP_STATUS: ClassVar[dict[str, int]] = {
        "invalid": 400, "unknown": 404, "no_secret": 404, "session": 403, "program": 403,
        "expired": 410, "revoked": 410, "used": 410, "not_active": 409, "ambiguous": 409}

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code

    @property
    def http_status(self) -> int:
        return self.HTTP_STATUS.get(self.code, 400)


def _lease(row: tuple[Any, ...]) -> Lease:
    values = list(row)
    values[7] = bool(values[7])
    values[13] = bool(values[13])
    return Lease(*values)


def new_lease_id() -> str:
    return "ls_" + secrets.token_hex(12)


def command_lines(argv: Sequence[str]) -> list[str]:
    """The command line as `exec` will run it, and the same with the program's directory dropped."""
    if not argv:
        return []
    lines = [shlex.join(argv)]
    base = os.path.basename(argv[0])
    if base and base != argv[0]:
        lines.append(shlex.join([base, *argv[1:]]))
    return lines


def command_matches(pattern: str, argv: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(line, pattern) for line in command_lines(argv))


def _refusal(lease: Lease, status: str) -> LeaseError:
    if status == EXPIRED:
        return LeaseError(EXPIRED, f"lease {lease.id} expired at {iso(lease.expires_at)}")
    if status == REVOKED:
        return LeaseError(REVOKED, f"lease {lease.id} was revoked at {iso(lease.revoked_at)}")
    return LeaseError(USED, f"lease {lease.id} was single use and has been used already")


class LeaseStore:
    """The `leases` and `secrets_meta` tables; every method is one transaction or one read."""

    def __init__(self, database: Database):
        self.database = database

    # -- secret metadata --------------------------------------------------------------------

    @staticmethod
    def _meta(conn: sqlite3.Connection, name: str) -> SecretMeta | None:
        row = conn.execute(f"SELECT {_META_COLUMNS} FROM secrets_meta WHERE name = ?",
                           (name,)).fetchone()
        return SecretMeta(*row) if row else None

    def get_meta(self, name: str) -> SecretMeta | None:
        with self.database.reading() as conn:
            return self._meta(conn, name)

    def list_meta(self) -> list[SecretMeta]:
        with self.database.reading() as conn:
            rows = conn.execute(f"SELECT {_META_COLUMNS} FROM secrets_meta ORDER BY name")
            return [SecretMeta(*row) for row in rows.fetchall()]

    def upsert_meta(self, name: str, description: str | None,
                    now: float) -> tuple[SecretMeta, bool]:
        """Record that `name` was stored (again); None keeps the description.
        -> (meta, created)."""
        validate_name(name)
        with self.database.transaction() as conn:
            existing = self._meta(conn, name)
            if existing is None:
                conn.execute("INSERT INTO secrets_meta (name, description, created_at, "
                             "updated_at) VALUES (?, ?, ?, ?)", (name, description or "", now, now))
            elif description is None:
                conn.execute("UPDATE secrets_meta SET updated_at = ? WHERE name = ?", (now, name))
            else:
                conn.execute("UPDATE secrets_meta SET description = ?, updated_at = ? "
                             "WHERE name = ?", (description, now, name))
            meta = self._meta(conn, name)
        assert meta is not None
        return meta, existing is None

    def delete_meta(self, name: str) -> bool:
        with self.database.transaction() as conn:
            cursor = conn.execute("DELETE FROM secrets_meta WHERE name = ?", (name,))
        return cursor.rowcount > 0

    # -- leases -----------------------------------------------------------------------------

    @staticmethod
    def _get(conn: sqlite3.Connection, lease_id: str) -> Lease | None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM leases WHERE id = ?", (lease_id,)).fetchone()
        return _lease(row) if row else None

    def get(self, lease_id: str) -> Lease | None:
        with self.database.reading() as conn:
            return self._get(conn, lease_id)

    def resolve_id(self, given: str) -> str:
        """For the operator (show, revoke): the lease id `given` is or uniquely starts. Never
        for `exec`: there the whole id is the capability (approvald.storage.ids)."""
        with self.database.reading() as conn:
            try:
                return resolve_prefix(conn, "leases", given, "ls_")
            except IdNotFound:
                raise LeaseError("unknown", f"unknown lease {given.strip()}") from None
            except IdAmbiguous as exc:
                raise LeaseError("ambiguous", f"{exc} (leases)") from None

    def list_leases(self, *, now: float, include_inactive: bool = False, name: str | None = None,
             limit: int = 500) -> list[Lease]:
        """Newest first; by default only the active ones."""
        where: list[str] = []
        args: list[Any] = []
        if not include_inactive:
            where.append(_ACTIVE_WHERE)
            args.append(now)
        if name is not None:
            where.append("name = ?")
            args.append(name)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self.database.reading() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM leases {clause} "
                                "ORDER BY created_at DESC LIMIT ?", (*args, int(limit)))
            return [_lease(r) for r in rows.fetchall()]

    def active_counts(self, now: float) -> dict[str, int]:
        """Active leases per secret name."""
        with self.database.reading() as conn:
            rows = conn.execute(f"SELECT name, COUNT(*) FROM leases WHERE {_ACTIVE_WHERE} "
                                "GROUP BY name", (now,)).fetchall()
        return {name: int(count) for name, count in rows}

    def create(self, *, name: str, ttl_s: float, now: float, session_id: str | None = None,
               for_pattern: str | None = None, single_use: bool = False,
               requested_by: str = "cli") -> Lease:
        """A new active lease. That the secret exists is the caller's check (it needs the
        keyring)."""
        try:
            validate_name(name)
        except ValueError as exc:
            raise LeaseError("invalid", str(exc)) from exc
        if (not isinstance(ttl_s, (int, float)) or isinstance(ttl_s, bool)
                or not 0 < ttl_s <= MAX_TTL_S):
            raise LeaseError("invalid", f"ttl must be between 1 second and {MAX_TTL_S} seconds")
        if for_pattern is not None and (not for_pattern.strip()
                                        or len(for_pattern) > MAX_PATTERN_LEN):
            raise LeaseError("invalid", "the program pattern must be non-empty text")
        if session_id is not None and not session_id.strip():
            raise LeaseError("invalid", "the session id must be non-empty")
        lease_id = new_lease_id()
        with self.database.transaction() as conn:
            conn.execute(
                f"INSERT INTO leases ({_COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, 0, 0)",
                (lease_id, name, now, now + float(ttl_s), float(ttl_s), session_id, for_pattern,
                 int(bool(single_use)), requested_by or "cli"))
            conn.execute("UPDATE secrets_meta SET last_leased_at = ? WHERE name = ?", (now, name))
            lease = self._get(conn, lease_id)
        assert lease is not None
        return lease

    def revoke(self, lease_id: str, *, now: float, by: str = "cli") -> Lease:
        with self.database.transaction() as conn:
            lease = self._get(conn, lease_id)
            if lease is None:
                raise LeaseError("unknown", f"unknown lease {lease_id}")
            status = lease.status(now)
            if status != ACTIVE:
                raise LeaseError("not_active", f"lease {lease_id} is already {status}")
            conn.execute("UPDATE leases SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                         (now, by, lease_id))
            revoked = self._get(conn, lease_id)
        assert revoked is not None
        return revoked

    def revoke_all_for(self, name: str, *, now: float, by: str = "cli") -> list[Lease]:
        """Revoke every active lease on `name` (its secret was removed)."""
        revoked = []
        for lease in self.list_leases(now=now, name=name):
            try:
                revoked.append(self.revoke(lease.id, now=now, by=by))
            except LeaseError:
                pass  # it ended meanwhile
        return revoked

    def sweep_expired(self, *, now: float) -> list[Lease]:
        """Leases that expired since the last sweep (each reported once, for the audit log)."""
        due = ("SELECT 1 FROM leases WHERE expiry_recorded = 0 AND expires_at <= ? "
               "AND revoked_at IS NULL LIMIT 1")
        with self.database.reading() as conn:
            if conn.execute(due, (now,)).fetchone() is None:
                return []  # the common case: no write lock taken
        with self.database.transaction() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM leases WHERE expiry_recorded = 0 AND expires_at <= ? "
                "AND revoked_at IS NULL AND NOT (single_use AND use_count > 0)", (now,)).fetchall()
            expired = [_lease(r) for r in rows]
            conn.executemany("UPDATE leases SET expiry_recorded = 1 WHERE id = ?",
                             [(lease.id,) for lease in expired])
        return expired

    def resolve(self, lease_ids: Sequence[str], *, now: float, session_id: str | None,
                argv: Sequence[str],
                fetch: Callable[[str], str | None]) -> list[tuple[Lease, str]]:
        """Check every lease for this `exec`, read the values, mark them used: all or nothing.

        `fetch(name)` reads a value from the keyring (None when missing). Raises LeaseError for
        the first lease that may not be used; nothing is marked used then.
        """
        unique_ids = list(dict.fromkeys(lease_ids))
        if not unique_ids:
            raise LeaseError("invalid", "no lease given")
        with self.database.transaction() as conn:
            leases: list[Lease] = []
            for lease_id in unique_ids:
                lease = self._get(conn, lease_id)
                if lease is None:
                    raise LeaseError("unknown", f"unknown lease {lease_id}")
                status = lease.status(now)
                if status != ACTIVE:
                    raise _refusal(lease, status)
                if lease.session_id is not None and lease.session_id != session_id:
                    raise LeaseError("session", f"lease {lease.id} is bound to another agent "
                                     "session than this one")
                if lease.for_pattern is not None and not command_matches(lease.for_pattern,
                                                                         argv):
                    raise LeaseError("program", f"lease {lease.id} is only for commands "
                                     f"matching {lease.for_pattern!r}")
                leases.append(lease)
            values: dict[str, str] = {}
            for lease in leases:
                if lease.name not in values:
                    value = fetch(lease.name)
                    if not value:
                        raise LeaseError("no_secret", f"secret {lease.name!r} of lease "
                                         f"{lease.id} is no longer in the keyring")
                    values[lease.name] = value
            conn.executemany("UPDATE leases SET use_count = use_count + 1, used_at = ? "
                             "WHERE id = ?", [(now, lease.id) for lease in leases])
            conn.executemany("UPDATE secrets_meta SET last_used_at = ? WHERE name = ?",
                             [(now, name) for name in values])
            updated = [self._get(conn, lease.id) for lease in leases]
        by_id = {lease.id: lease for lease in updated if lease is not None}
        return [(by_id[i], values[by_id[i].name]) for i in unique_ids]
