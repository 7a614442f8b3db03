"""Leases in SQLite: expiry, revocation, single use, session and program bindings, atomicity."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.model.clock import iso
from approvald.model.leases import ACTIVE, REVOKED, Lease
from approvald.storage.database import Database
from approvald.storage.leases import MAX_TTL_S, LeaseError, LeaseStore

VALUES = {"GH": "ghp_value", "AWS": "aws_value"}
T0 = 1_700_000_000.0


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[LeaseStore]:
    with Database(tmp_path / "state" / "approvald.db") as database:
        store = LeaseStore(database)
        for name in VALUES:
            store.upsert_meta(name, f"{name} token", T0 - 100)
        yield store


def fetch(name: str) -> str | None:
    return VALUES.get(name)


def resolve(conn: LeaseStore, ids: list[str], *, now: float = T0 + 1,
            session: str | None = None, argv: list[str] | None = None
            ) -> list[tuple[Lease, str]]:
    return conn.resolve(ids, now=now, session_id=session,
                            argv=argv or ["sh", "-c", "true"], fetch=fetch)


def test_create_and_resolve(conn: LeaseStore) -> None:
    lease = conn.create(name="GH", ttl_s=60, now=T0)
    assert lease.id.startswith("ls_") and len(lease.id) == 27
    assert lease.status(T0 + 1) == ACTIVE
    data = lease.to_json(T0 + 10)
    assert data["lease_id"] == lease.id and data["name"] == "GH"
    assert data["expires_at"] == iso(T0 + 60) and data["remaining_s"] == 50
    [(resolved, value)] = resolve(conn, [lease.id])
    assert value == "ghp_value" and resolved.use_count == 1
    # Not single use: it resolves again.
    assert resolve(conn, [lease.id])[0][0].use_count == 2
    info = conn.get_meta("GH")
    assert info is not None and info.last_leased_at == T0 and info.last_used_at == T0 + 1


def test_lease_ids_are_unique(conn: LeaseStore) -> None:
    ids = {conn.create(name="GH", ttl_s=5, now=T0).id for _ in range(50)}
    assert len(ids) == 50


def test_expiry_takes_effect_at_once(conn: LeaseStore) -> None:
    lease = conn.create(name="GH", ttl_s=30, now=T0)
    resolve(conn, [lease.id], now=T0 + 29.999)
    with pytest.raises(LeaseError) as excinfo:
        resolve(conn, [lease.id], now=T0 + 30)
    assert excinfo.value.code == "expired" and excinfo.value.http_status == 410
    assert "expired" in str(excinfo.value)


def test_revoke(conn: LeaseStore) -> None:
    lease = conn.create(name="GH", ttl_s=60, now=T0)
    revoked = conn.revoke(lease.id, now=T0 + 1, by="cli")
    assert revoked.status(T0 + 2) == REVOKED and revoked.revoked_by == "cli"
    with pytest.raises(LeaseError) as excinfo:
        resolve(conn, [lease.id], now=T0 + 2)
    assert excinfo.value.code == "revoked"
    with pytest.raises(LeaseError) as again:
        conn.revoke(lease.id, now=T0 + 3)
    assert again.value.code == "not_active" and again.value.http_status == 409
    with pytest.raises(LeaseError) as unknown:
        conn.revoke("ls_nope", now=T0)
    assert unknown.value.code == "unknown" and unknown.value.http_status == 404


def test_single_use(conn: LeaseStore) -> None:
    lease = conn.create(name="GH", ttl_s=60, now=T0, single_use=True)
    resolve(conn, [lease.id])
    with pytest.raises(LeaseError) as excinfo:
        resolve(conn, [lease.id])
    assert excinfo.value.code == "used"


def test_single_use_twice_in_one_exec_counts_once(conn: LeaseStore) -> None:
    lease = conn.create(name="GH", ttl_s=60, now=T0, single_use=True)
    result = resolve(conn, [lease.id, lease.id])
    assert [value for _, value in result] == ["ghp_value"]


def test_single_use_under_concurrency_resolves_once(tmp_path: Path) -> None:
    path = tmp_path / "state" / "approvald.db"
    with Database(path) as database:
        LeaseStore(database).upsert_meta("GH", None, T0)
        lease = LeaseStore(database).create(name="GH", ttl_s=60, now=T0, single_use=True)
    wins: list[str] = []
    losses: list[str] = []
    barrier = threading.Barrier(8)

    def racer() -> None:
        with Database(path) as own:
            barrier.wait()
            try:
                resolve(LeaseStore(own), [lease.id])
                wins.append("ok")
            except LeaseError as exc:
                losses.append(exc.code)

    threads = [threading.Thread(target=racer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert wins == ["ok"]
    assert losses == ["used"] * 7


def test_session_binding(conn: LeaseStore) -> None:
    lease = conn.create(name="GH", ttl_s=60, now=T0, session_id="sess-A")
    assert resolve(conn, [lease.id], session="sess-A")[0][1] == "ghp_value"
    for other in ("sess-B", None):
        with pytest.raises(LeaseError) as excinfo:
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
def test_program_binding(conn: LeaseStore, argv: list[str], allowed: bool) -> None:
    lease = conn.create(name="GH", ttl_s=60, now=T0, for_pattern="gh *")
    if allowed:
        assert resolve(conn, [lease.id], argv=argv)[0][1] == "ghp_value"
    else:
        with pytest.raises(LeaseError) as excinfo:
            resolve(conn, [lease.id], argv=argv)
        assert excinfo.value.code == "program"
        assert "gh *" in str(excinfo.value)


def test_unknown_lease(conn: LeaseStore) -> None:
    with pytest.raises(LeaseError) as excinfo:
        resolve(conn, ["ls_0000"])
    assert excinfo.value.code == "unknown"


def test_all_or_nothing(conn: LeaseStore) -> None:
    """One refused lease: none of the others is consumed."""
    good = conn.create(name="GH", ttl_s=60, now=T0, single_use=True)
    bad = conn.create(name="AWS", ttl_s=60, now=T0, session_id="elsewhere")
    with pytest.raises(LeaseError):
        resolve(conn, [good.id, bad.id], session="here")
    lease = conn.get(good.id)
    assert lease is not None and lease.use_count == 0
    assert resolve(conn, [good.id])[0][1] == "ghp_value"


def test_missing_value_refuses_without_consuming(conn: LeaseStore) -> None:
    conn.upsert_meta("GONE", None, T0)
    lease = conn.create(name="GONE", ttl_s=60, now=T0, single_use=True)
    with pytest.raises(LeaseError) as excinfo:
        resolve(conn, [lease.id])
    assert excinfo.value.code == "no_secret"
    got = conn.get(lease.id)
    assert got is not None and got.use_count == 0


@pytest.mark.parametrize("ttl", [0, -1, MAX_TTL_S + 1, True, float("nan")])
def test_bad_ttl_refused(conn: LeaseStore, ttl: float) -> None:
    with pytest.raises(LeaseError) as excinfo:
        conn.create(name="GH", ttl_s=ttl, now=T0)
    assert excinfo.value.code == "invalid"


def test_list_and_sweep(conn: LeaseStore) -> None:
    short = conn.create(name="GH", ttl_s=5, now=T0)
    long = conn.create(name="AWS", ttl_s=500, now=T0 + 1)
    gone = conn.create(name="GH", ttl_s=500, now=T0 + 2)
    conn.revoke(gone.id, now=T0 + 3)
    assert [x.id for x in conn.list_leases(now=T0 + 4)] == [long.id, short.id]
    assert [x.id for x in conn.list_leases(now=T0 + 6)] == [long.id]
    assert len(conn.list_leases(now=T0 + 6, include_inactive=True)) == 3
    # The sweep reports each expiry once; a revoked lease is not "expired".
    assert [x.id for x in conn.sweep_expired(now=T0 + 6)] == [short.id]
    assert conn.sweep_expired(now=T0 + 7) == []
    assert [x.id for x in conn.sweep_expired(now=T0 + 1000)] == [long.id]


def test_revoke_leases_for_a_name(conn: LeaseStore) -> None:
    a = conn.create(name="GH", ttl_s=60, now=T0)
    b = conn.create(name="GH", ttl_s=60, now=T0)
    other = conn.create(name="AWS", ttl_s=60, now=T0)
    revoked = conn.revoke_all_for("GH", now=T0 + 1)
    assert {x.id for x in revoked} == {a.id, b.id}
    assert [x.id for x in conn.list_leases(now=T0 + 2)] == [other.id]


def test_database_never_holds_values(tmp_path: Path) -> None:
    path = tmp_path / "state" / "approvald.db"
    with Database(path) as database:
        store = LeaseStore(database)
        store.upsert_meta("GH", "the GitHub token", T0)
        lease = store.create(name="GH", ttl_s=60, now=T0, single_use=True)
        resolve(store, [lease.id])
    for file in path.parent.iterdir():
        assert b"ghp_value" not in file.read_bytes(), file


def test_the_operator_names_a_lease_by_a_unique_prefix_exec_never(conn: LeaseStore) -> None:
    ids = [conn.create(name="GH", ttl_s=60, now=T0).id for _ in range(20)]
    target = ids[3]
    size = next(n for n in range(4, len(target))
                if sum(i.startswith(target[:n]) for i in ids) == 1)
    assert conn.resolve_id(target[:size]) == target
    assert conn.resolve_id(target[3:size]) == target
    with pytest.raises(LeaseError) as ambiguous:
        conn.resolve_id("ls_")
    assert ambiguous.value.code == "ambiguous" and ambiguous.value.http_status == 409
    with pytest.raises(LeaseError) as unknown:
        conn.resolve_id("ls_zz")
    assert unknown.value.code == "unknown"
    # exec hands the whole id: a prefix is no lease there.
    with pytest.raises(LeaseError) as by_prefix:
        resolve(conn, [target[:size]])
    assert by_prefix.value.code == "unknown"
