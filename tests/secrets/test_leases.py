"""Leases in SQLite: expiry, revocation, single use, session and program bindings, atomicity."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.secrets import db, meta
from approvald.secrets import leases as L

VALUES = {"GH": "ghp_value", "AWS": "aws_value"}
T0 = 1_700_000_000.0


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    with db.opened(tmp_path / "state" / "approvald.db") as connection:
        for name in VALUES:
            meta.upsert_meta(connection, name, f"{name} token", T0 - 100)
        yield connection


def fetch(name: str) -> str | None:
    return VALUES.get(name)


def resolve(conn: sqlite3.Connection, ids: list[str], *, now: float = T0 + 1,
            session: str | None = None, argv: list[str] | None = None
            ) -> list[tuple[L.Lease, str]]:
    return L.resolve_leases(conn, ids, now=now, session_id=session,
                            argv=argv or ["sh", "-c", "true"], fetch=fetch)


def test_create_and_resolve(conn: sqlite3.Connection) -> None:
    lease = L.create_lease(conn, name="GH", ttl_s=60, now=T0)
    assert lease.id.startswith("ls_") and len(lease.id) == 27
    assert lease.status(T0 + 1) == L.ACTIVE
    data = lease.to_json(T0 + 10)
    assert data["lease_id"] == lease.id and data["name"] == "GH"
    assert data["expires_at"] == db.iso(T0 + 60) and data["remaining_s"] == 50
    [(resolved, value)] = resolve(conn, [lease.id])
    assert value == "ghp_value" and resolved.use_count == 1
    # Not single use: it resolves again.
    assert resolve(conn, [lease.id])[0][0].use_count == 2
    info = meta.get_meta(conn, "GH")
    assert info is not None and info.last_leased_at == T0 and info.last_used_at == T0 + 1


def test_lease_ids_are_unique(conn: sqlite3.Connection) -> None:
    ids = {L.create_lease(conn, name="GH", ttl_s=5, now=T0).id for _ in range(50)}
    assert len(ids) == 50


def test_expiry_takes_effect_at_once(conn: sqlite3.Connection) -> None:
    lease = L.create_lease(conn, name="GH", ttl_s=30, now=T0)
    resolve(conn, [lease.id], now=T0 + 29.999)
    with pytest.raises(L.LeaseError) as excinfo:
        resolve(conn, [lease.id], now=T0 + 30)
    assert excinfo.value.code == "expired" and excinfo.value.http_status == 410
    assert "expired" in str(excinfo.value)


def test_revoke(conn: sqlite3.Connection) -> None:
    lease = L.create_lease(conn, name="GH", ttl_s=60, now=T0)
    revoked = L.revoke_lease(conn, lease.id, now=T0 + 1, by="cli")
    assert revoked.status(T0 + 2) == L.REVOKED and revoked.revoked_by == "cli"
    with pytest.raises(L.LeaseError) as excinfo:
        resolve(conn, [lease.id], now=T0 + 2)
    assert excinfo.value.code == "revoked"
    with pytest.raises(L.LeaseError) as again:
        L.revoke_lease(conn, lease.id, now=T0 + 3)
    assert again.value.code == "not_active" and again.value.http_status == 409
    with pytest.raises(L.LeaseError) as unknown:
        L.revoke_lease(conn, "ls_nope", now=T0)
    assert unknown.value.code == "unknown" and unknown.value.http_status == 404


def test_single_use(conn: sqlite3.Connection) -> None:
    lease = L.create_lease(conn, name="GH", ttl_s=60, now=T0, single_use=True)
    resolve(conn, [lease.id])
    with pytest.raises(L.LeaseError) as excinfo:
        resolve(conn, [lease.id])
    assert excinfo.value.code == "used"


def test_single_use_twice_in_one_exec_counts_once(conn: sqlite3.Connection) -> None:
    lease = L.create_lease(conn, name="GH", ttl_s=60, now=T0, single_use=True)
    result = resolve(conn, [lease.id, lease.id])
    assert [value for _, value in result] == ["ghp_value"]


def test_single_use_under_concurrency_resolves_once(tmp_path: Path) -> None:
    path = tmp_path / "state" / "approvald.db"
    with db.opened(path) as conn:
        meta.upsert_meta(conn, "GH", None, T0)
        lease = L.create_lease(conn, name="GH", ttl_s=60, now=T0, single_use=True)
    wins: list[str] = []
    losses: list[str] = []
    barrier = threading.Barrier(8)

    def racer() -> None:
        with db.opened(path) as own:
            barrier.wait()
            try:
                resolve(own, [lease.id])
                wins.append("ok")
            except L.LeaseError as exc:
                losses.append(exc.code)

    threads = [threading.Thread(target=racer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert wins == ["ok"]
    assert losses == ["used"] * 7


def test_session_binding(conn: sqlite3.Connection) -> None:
    lease = L.create_lease(conn, name="GH", ttl_s=60, now=T0, session_id="sess-A")
    assert resolve(conn, [lease.id], session="sess-A")[0][1] == "ghp_value"
    for other in ("sess-B", None):
        with pytest.raises(L.LeaseError) as excinfo:
            resolve(conn, [lease.id], session=other)
        assert excinfo.value.code == "session" and excinfo.value.http_status == 403


@pytest.mark.parametrize(("argv", "allowed"), [
    (["gh", "pr", "create"], True),
    (["/usr/bin/gh", "pr", "list"], True),
    (["gh"], False),
    (["git", "push"], False),
    (["sh", "-c", "gh pr create"], False),
    (["ghx", "pr"], False),
])
def test_program_binding(conn: sqlite3.Connection, argv: list[str], allowed: bool) -> None:
    lease = L.create_lease(conn, name="GH", ttl_s=60, now=T0, for_pattern="gh *")
    if allowed:
        assert resolve(conn, [lease.id], argv=argv)[0][1] == "ghp_value"
    else:
        with pytest.raises(L.LeaseError) as excinfo:
            resolve(conn, [lease.id], argv=argv)
        assert excinfo.value.code == "program"
        assert "gh *" in str(excinfo.value)


def test_unknown_lease(conn: sqlite3.Connection) -> None:
    with pytest.raises(L.LeaseError) as excinfo:
        resolve(conn, ["ls_0000"])
    assert excinfo.value.code == "unknown"


def test_all_or_nothing(conn: sqlite3.Connection) -> None:
    """One refused lease: none of the others is consumed."""
    good = L.create_lease(conn, name="GH", ttl_s=60, now=T0, single_use=True)
    bad = L.create_lease(conn, name="AWS", ttl_s=60, now=T0, session_id="elsewhere")
    with pytest.raises(L.LeaseError):
        resolve(conn, [good.id, bad.id], session="here")
    lease = L.get_lease(conn, good.id)
    assert lease is not None and lease.use_count == 0
    assert resolve(conn, [good.id])[0][1] == "ghp_value"


def test_missing_value_refuses_without_consuming(conn: sqlite3.Connection) -> None:
    meta.upsert_meta(conn, "GONE", None, T0)
    lease = L.create_lease(conn, name="GONE", ttl_s=60, now=T0, single_use=True)
    with pytest.raises(L.LeaseError) as excinfo:
        resolve(conn, [lease.id])
    assert excinfo.value.code == "no_secret"
    got = L.get_lease(conn, lease.id)
    assert got is not None and got.use_count == 0


@pytest.mark.parametrize("ttl", [0, -1, L.MAX_TTL_S + 1, True, float("nan")])
def test_bad_ttl_refused(conn: sqlite3.Connection, ttl: float) -> None:
    with pytest.raises(L.LeaseError) as excinfo:
        L.create_lease(conn, name="GH", ttl_s=ttl, now=T0)
    assert excinfo.value.code == "invalid"


def test_list_and_sweep(conn: sqlite3.Connection) -> None:
    short = L.create_lease(conn, name="GH", ttl_s=5, now=T0)
    long = L.create_lease(conn, name="AWS", ttl_s=500, now=T0 + 1)
    gone = L.create_lease(conn, name="GH", ttl_s=500, now=T0 + 2)
    L.revoke_lease(conn, gone.id, now=T0 + 3)
    assert [x.id for x in L.list_leases(conn, now=T0 + 4)] == [long.id, short.id]
    assert [x.id for x in L.list_leases(conn, now=T0 + 6)] == [long.id]
    assert len(L.list_leases(conn, now=T0 + 6, include_inactive=True)) == 3
    # The sweep reports each expiry once; a revoked lease is not "expired".
    assert [x.id for x in L.sweep_expired(conn, now=T0 + 6)] == [short.id]
    assert L.sweep_expired(conn, now=T0 + 7) == []
    assert [x.id for x in L.sweep_expired(conn, now=T0 + 1000)] == [long.id]


def test_revoke_leases_for_a_name(conn: sqlite3.Connection) -> None:
    a = L.create_lease(conn, name="GH", ttl_s=60, now=T0)
    b = L.create_lease(conn, name="GH", ttl_s=60, now=T0)
    other = L.create_lease(conn, name="AWS", ttl_s=60, now=T0)
    revoked = L.revoke_leases_for(conn, "GH", now=T0 + 1)
    assert {x.id for x in revoked} == {a.id, b.id}
    assert [x.id for x in L.list_leases(conn, now=T0 + 2)] == [other.id]


def test_database_never_holds_values(tmp_path: Path) -> None:
    path = tmp_path / "state" / "approvald.db"
    with db.opened(path) as conn:
        meta.upsert_meta(conn, "GH", "the GitHub token", T0)
        lease = L.create_lease(conn, name="GH", ttl_s=60, now=T0, single_use=True)
        resolve(conn, [lease.id])
    for file in path.parent.iterdir():
        assert b"ghp_value" not in file.read_bytes(), file
