"""Metadata about stored secrets (`secrets_meta`): what `secrets list` shows. Never a value."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from approvald.secrets import validate_name
from approvald.secrets.db import iso, transaction

_COLUMNS = "name, description, created_at, updated_at, last_leased_at, last_used_at"


@dataclass(frozen=True)
class SecretMeta:
    name: str
    description: str
    created_at: float
    updated_at: float
    last_leased_at: float | None
    last_used_at: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "last_leased_at": iso(self.last_leased_at),
            "last_used_at": iso(self.last_used_at),
        }


def get_meta(conn: sqlite3.Connection, name: str) -> SecretMeta | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM secrets_meta WHERE name = ?", (name,)).fetchone()
    return SecretMeta(*row) if row else None


def list_meta(conn: sqlite3.Connection) -> list[SecretMeta]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM secrets_meta ORDER BY name").fetchall()
    return [SecretMeta(*row) for row in rows]


def upsert_meta(conn: sqlite3.Connection, name: str, description: str | None,
                now: float) -> tuple[SecretMeta, bool]:
    """Record that `name` was stored (again); None keeps the description. -> (meta, created)."""
    validate_name(name)
    with transaction(conn):
        existing = get_meta(conn, name)
        if existing is None:
            conn.execute("INSERT INTO secrets_meta (name, description, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?)", (name, description or "", now, now))
        elif description is None:
            conn.execute("UPDATE secrets_meta SET updated_at = ? WHERE name = ?", (now, name))
        else:
            conn.execute("UPDATE secrets_meta SET description = ?, updated_at = ? WHERE name = ?",
                         (description, now, name))
        meta = get_meta(conn, name)
    assert meta is not None
    return meta, existing is None


def delete_meta(conn: sqlite3.Connection, name: str) -> bool:
    with transaction(conn):
        cursor = conn.execute("DELETE FROM secrets_meta WHERE name = ?", (name,))
    return cursor.rowcount > 0
