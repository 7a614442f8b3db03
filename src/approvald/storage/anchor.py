"""The audit log's anchor: the chain's last (seq, hash), kept in the database, outside the log's
own files. `audit verify` requires the chain to reach it with that hash, so deleting the log,
or rewriting it whole with a new head, is found (docs/SECURITY.md says what a same-user
process that rewrites both can still do)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from approvald.storage.database import Database


class AuditAnchor:
    def __init__(self, database: Database):
        self.database = database

    def advance(self, seq: int, digest: str) -> None:
        """Record the chain's end; never moves back (a slower writer cannot undo a later one)."""
        with self.database.transaction() as conn:
            conn.execute(
                "INSERT INTO audit_anchor (id, seq, hash, updated_at) VALUES (1, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
                "updated_at = excluded.updated_at WHERE excluded.seq >= audit_anchor.seq",
                (seq, digest, time.time()))

    def get(self) -> tuple[int, str] | None:
        with self.database.reading() as conn:
            row = conn.execute("SELECT seq, hash FROM audit_anchor WHERE id = 1").fetchone()
        return (int(row[0]), str(row[1])) if row else None


def open_anchor(path: Path) -> Callable[[int, str], None]:
    """`AuditAnchor.advance` over a connection of its own to the database at `path` (for the
    audit writer's process)."""
    return AuditAnchor(Database(path)).advance
