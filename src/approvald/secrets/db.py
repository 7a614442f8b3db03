"""The credential tables in the daemon's SQLite database (`paths.database`).

Two tables of our own beside the approvals: `secrets_meta` (name, description, times; never a
value) and `leases`. The database runs in WAL mode with a busy timeout, so the daemon and a CLI
with no daemon running can both use it; every check-then-update is one IMMEDIATE transaction.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from approvald.paths import ensure_private_dir

_SCHEMA = """
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
"""


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC with milliseconds (as the approvals store writes them)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="milliseconds")


def connect(db_path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), schema ensured."""
    ensure_private_dir(db_path.parent)
    existed = db_path.exists()
    conn = sqlite3.connect(str(db_path), timeout=10, isolation_level=None,
                           check_same_thread=False)
    if not existed and sys.platform != "win32":
        os.chmod(db_path, 0o600)
    conn.execute("PRAGMA busy_timeout=10000")
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass  # another process holds it busy; it set WAL already or will
    conn.executescript(_SCHEMA)
    return conn


@contextmanager
def opened(db_path: Path) -> Iterator[sqlite3.Connection]:
    conn = connect(db_path)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any exception)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
