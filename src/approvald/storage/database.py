"""The one SQLite file (`paths.database`): one connection factory, one migrations table.

Every table approvald keeps (approvals, leases, secret metadata, MCP tool pins) is created by a
numbered migration below and recorded in `schema_migrations`; a database from an older
approvald gains what it lacks on open, and one from a newer approvald is refused rather than
misread. The file runs in WAL mode with a busy timeout, so the daemon and a CLI working without
it may both use it; every check-then-update is one IMMEDIATE transaction.

A `Database` holds one connection, shared by the event loop and worker threads under a lock:
each call is one short transaction.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# (version, what it adds, SQL). Append only: a shipped migration never changes. Each is
# idempotent (IF NOT EXISTS), so databases made before this table existed migrate cleanly.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "approvals", """
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
"""),
    (2, "secret metadata and leases", """
CREATE TABLE IF NOT EXISTS secrets_meta (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    last_leased_at REAL,
    last_used_at REAL
);
CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    ttl_s REAL NOT NULL,
    session_id TEXT,
    for_pattern TEXT,
    single_use INTEGER NOT NULL DEFAULT 0,
    requested_by TEXT NOT NULL DEFAULT 'cli',
    revoked_at REAL,
    revoked_by TEXT,
    used_at REAL,
    use_count INTEGER NOT NULL DEFAULT 0,
    expiry_recorded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS leases_by_expiry ON leases (expiry_recorded, expires_at);
CREATE INDEX IF NOT EXISTS leases_by_name ON leases (name);
"""),
    (3, "audit anchor", """
CREATE TABLE IF NOT EXISTS audit_anchor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""),
    (4, "mcp tool pins", """
CREATE TABLE IF NOT EXISTS mcp_pins (
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    status TEXT NOT NULL,
    digest TEXT,
    definition TEXT,
    seen_digest TEXT,
    seen_definition TEXT,
    findings TEXT NOT NULL DEFAULT '[]',
    upstream TEXT NOT NULL DEFAULT '',
    first_seen REAL NOT NULL,
    updated_at REAL NOT NULL,
    accepted_at REAL,
    accepted_by TEXT,
    PRIMARY KEY (server, tool)
);
CREATE INDEX IF NOT EXISTS mcp_pins_by_status ON mcp_pins (status);
"""),
    # Not IF NOT EXISTS (SQLite has none for columns): every database that lacks this migration
    # has a migrations table saying so.
    (5, "approval grants: the agent gone, revoked, use count", """
ALTER TABLE approvals ADD COLUMN agent_gone_at REAL;
ALTER TABLE approvals ADD COLUMN revoked_at REAL;
ALTER TABLE approvals ADD COLUMN revoked_by TEXT;
ALTER TABLE approvals ADD COLUMN use_count INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS approvals_grants ON approvals (status, decided_at);
"""),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class DatabaseError(Exception):
    """The database cannot be used (one sentence naming the file)."""


class Database:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if sys.platform != "win32":
            os.chmod(self.path.parent, 0o700)
        existed = self.path.exists()
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(self.path), timeout=10, isolation_level=None,
                                     check_same_thread=False)
        if not existed and sys.platform != "win32":
            os.chmod(self.path, 0o600)
        self._conn.execute("PRAGMA busy_timeout=10000")
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            pass  # another process holds it busy; it set WAL already or will
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        with self.transaction() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                         "PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)")
            applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            newer = [v for v in applied if v > SCHEMA_VERSION]
            if newer:
                raise DatabaseError(f"{self.path} was written by a newer approvald (schema "
                                    f"{max(newer)}; this one knows {SCHEMA_VERSION})")
            for version, name, sql in MIGRATIONS:
                if version in applied:
                    continue
                for statement in sql.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                             (version, name, time.time()))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any exception): check-then-update steps stay
        atomic across threads and processes."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads outside a transaction (one statement sees one snapshot)."""
        with self._lock:
            yield self._conn
