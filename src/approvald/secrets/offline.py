"""What the CLI does itself when no daemon runs: metadata and revocation, straight in SQLite.

Everything here only records or takes rights away; nothing resolves a lease (that stays the
daemon's). Each change is written to the audit log as the daemon would (the log takes appends
from several processes under its own lock).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from approvald.paths import Paths
from approvald.secrets import db, leases, meta


def append_audit(paths: Paths, record: dict[str, Any]) -> None:
    try:
        from approvald.audit import AuditLog

        with AuditLog(paths.audit) as log:
            log.append(record)
    except Exception as exc:  # never lose the operator's change over the log; say so
        print(f"approvald: warning: audit record {record.get('event')} not written: {exc}",
              file=sys.stderr)


def store_meta(paths: Paths, name: str, description: str | None) -> dict[str, Any]:
    with db.opened(paths.database) as conn:
        record, created = meta.upsert_meta(conn, name, description, time.time())
    append_audit(paths, {"event": "secret.stored", "name": name, "created": created,
                         "via": "cli"})
    return {"secret": record.to_json(), "created": created}


def list_secrets(paths: Paths) -> list[dict[str, Any]]:
    if not paths.database.exists():
        return []
    now = time.time()
    with db.opened(paths.database) as conn:
        active: dict[str, int] = {}
        for lease in leases.list_leases(conn, now=now):
            active[lease.name] = active.get(lease.name, 0) + 1
        return [{**m.to_json(), "active_leases": active.get(m.name, 0)}
                for m in meta.list_meta(conn)]


def remove_secret(paths: Paths, name: str) -> dict[str, Any]:
    if not paths.database.exists():
        return {"removed": False, "revoked": []}
    with db.opened(paths.database) as conn:
        revoked = leases.revoke_leases_for(conn, name, now=time.time(), by="secret.removed")
        removed = meta.delete_meta(conn, name)
    for lease in revoked:
        append_audit(paths, {"event": "lease.revoked", "lease_id": lease.id, "name": name,
                             "revoked_by": "secret.removed", "via": "cli"})
    append_audit(paths, {"event": "secret.removed", "name": name, "had_metadata": removed,
                         "via": "cli"})
    return {"removed": removed, "revoked": [lease.id for lease in revoked]}


def list_leases(paths: Paths, include_all: bool) -> list[dict[str, Any]]:
    if not paths.database.exists():
        return []
    now = time.time()
    with db.opened(paths.database) as conn:
        items = leases.list_leases(conn, now=now, include_inactive=include_all)
    return [lease.to_json(now) for lease in items]


def revoke_lease(paths: Paths, lease_id: str) -> dict[str, Any]:
    """Raises leases.LeaseError (unknown, not active)."""
    if not paths.database.exists():
        raise leases.LeaseError("unknown", f"unknown lease {lease_id}")
    with db.opened(paths.database) as conn:
        lease = leases.revoke_lease(conn, lease_id, now=time.time(), by="cli")
    append_audit(paths, {"event": "lease.revoked", "lease_id": lease.id, "name": lease.name,
                         "revoked_by": "cli", "via": "cli"})
    return lease.to_json(time.time())
