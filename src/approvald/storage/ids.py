"""Ids a person types: the whole id, or any prefix that starts exactly one of them.

Used on the operator's side only (approvals, and leases to show or revoke). A lease id an agent
hands to `exec` must be given whole: there it is a capability, and a prefix would let a process
find live leases by trying `ls_0`, `ls_1`, ...
"""

from __future__ import annotations

import sqlite3

_LAST_CHAR = "\U0010ffff"


class IdNotFound(LookupError):
    pass


class IdAmbiguous(LookupError):
    def __init__(self, given: str, examples: list[str]):
        super().__init__(f"{given!r} starts more than one id ({', '.join(examples)}, ...): "
                         "give more of it")


def resolve_prefix(db: sqlite3.Connection, table: str, given: str, id_prefix: str) -> str:
    """The one id of `table` that `given` is or starts, with or without `id_prefix` (`ap_`)."""
    given = given.strip()
    if not given:
        raise IdNotFound("no id given")
    candidates = [given] if given.startswith(id_prefix) else [id_prefix + given, given]
    for prefix in candidates:
        if db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (prefix,)).fetchone():
            return prefix
        rows = db.execute(f"SELECT id FROM {table} WHERE id >= ? AND id < ? ORDER BY id "
                          "LIMIT 3", (prefix, prefix + _LAST_CHAR)).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
        if rows:
            raise IdAmbiguous(given, [str(r[0]) for r in rows[:2]])
    raise IdNotFound(given)
