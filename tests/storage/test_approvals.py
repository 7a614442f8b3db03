"""The approvals store: grant semantics, persistence across reopen, expiry."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.model.decisions import (
    APPROVED,
    DENIED,
    EXPIRED,
    GRANT_EXPIRED,
    GRANT_NONE,
    GRANT_REVOKED,
    GRANT_STANDING,
    ONCE_GRANT_TTL_S,
    PENDING,
)
from approvald.storage.approvals import (
    AlreadyDecided,
    AmbiguousId,
    ApprovalStore,
    NotAGrant,
    UnknownApproval,
)
from approvald.storage.database import MIGRATIONS, Database


def open_store(path: Path, clock: Clock) -> ApprovalStore:
    """An approvals store on its own connection to the database at `path`."""
    return ApprovalStore(Database(path), clock=clock)

FP_A = "sha256:" + "a" * 64
FP_B = "sha256:" + "b" * 64


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def _action(command: str = "git push", session: str = "s1") -> dict[str, object]:
    return {"kind": "process.exec", "tool": "Bash", "agent": "claude-code",
            "session_id": session, "cwd": "/work/proj", "input": {"command": command}}


def _decision(fp: str = FP_A) -> dict[str, object]:
    return {"decision": "REQUIRE_APPROVAL", "reason": "pushing needs a person",
            "rules": ["git-push"], "fingerprint": fp, "policy_hash": "sha256:p",
            "trigger": "git push"}


def _create(store: ApprovalStore, fp: str = FP_A, timeout: float = 300) -> str:
    return store.create(_action(), _decision(fp), fingerprint=fp, summary="git push",
                        timeout_s=timeout).id


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[ApprovalStore]:
    s = open_store(tmp_path / "approvald.db", clock=clock)
    yield s
    s.database.close()


def test_created_approval_is_pending_with_everything_listed(store: ApprovalStore) -> None:
    approval_id = _create(store)
    data = store.get(approval_id).to_json()
    assert data["status"] == PENDING
    assert data["fingerprint"] == FP_A
    assert data["summary"] == "git push"
    assert data["rules"] == ["git-push"]
    assert data["session_id"] == "s1" and data["cwd"] == "/work/proj" and data["tool"] == "Bash"
    assert data["created_at"].endswith("+00:00")
    assert [a.id for a in store.list()] == [approval_id]
    assert store.take_grant(FP_A) is None  # pending is not a grant


def test_once_grant_admits_its_fingerprint_exactly_once(store: ApprovalStore) -> None:
    approval_id = _create(store)
    store.decide(approval_id, APPROVED, by="cli", scope="once")
    assert store.take_grant(FP_B) is None  # another action: nothing
    grant = store.take_grant(FP_A)
    assert grant is not None and grant.id == approval_id and grant.used_at is not None
    assert store.take_grant(FP_A) is None  # used up


def test_waiting_hook_consumes_its_own_approval_once(store: ApprovalStore) -> None:
    approval_id = _create(store)
    store.decide(approval_id, APPROVED, by="dashboard")
    assert store.consume(approval_id) is True
    assert store.consume(approval_id) is False
    assert store.take_grant(FP_A) is None


def test_session_grant_admits_again_and_again(store: ApprovalStore) -> None:
    approval_id = _create(store)
    store.decide(approval_id, APPROVED, by="cli", scope="session")
    for _ in range(3):
        grant = store.take_grant(FP_A)
        assert grant is not None and grant.id == approval_id
    assert store.consume(approval_id) is True


def test_denied_is_never_a_grant(store: ApprovalStore) -> None:
    approval_id = _create(store)
    denied = store.decide(approval_id, DENIED, by="cli", reason="not today")
    assert denied.decision_reason == "not today" and denied.scope is None
    assert store.take_grant(FP_A) is None
    assert store.consume(approval_id) is False


def test_deciding_twice_or_unknown_fails(store: ApprovalStore) -> None:
    approval_id = _create(store)
    store.decide(approval_id, DENIED, by="cli")
    with pytest.raises(AlreadyDecided):
        store.decide(approval_id, APPROVED, by="cli")
    with pytest.raises(UnknownApproval):
        store.decide("ap_nope", APPROVED, by="cli")


def test_expiry_only_past_the_deadline(store: ApprovalStore, clock: Clock) -> None:
    early = _create(store, timeout=10)
    late = _create(store, FP_B, timeout=100)
    clock.now += 11
    expired = store.expire_due()
    assert [a.id for a in expired] == [early]
    got = store.get(early)
    assert got.status == EXPIRED and got.decided_by == "timeout"
    assert got.decision_reason == "no decision within 10 s"
    assert store.get(late).status == PENDING
    with pytest.raises(AlreadyDecided):
        store.decide(early, APPROVED, by="cli")


def test_state_survives_reopening(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "approvald.db"
    first = open_store(path, clock=clock)
    pending = _create(first)
    granted = _create(first, FP_B)
    first.decide(granted, APPROVED, by="cli")
    first.database.close()
    second = open_store(path, clock=clock)
    try:
        assert second.get(pending).status == PENDING
        assert second.get(granted).status == APPROVED
        assert second.take_grant(FP_B) is not None
        assert second.take_grant(FP_B) is None
    finally:
        second.database.close()


def test_two_stores_on_one_file_never_double_spend(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "approvald.db"
    a, b = open_store(path, clock=clock), open_store(path, clock=clock)
    try:
        approval_id = _create(a)
        b.decide(approval_id, APPROVED, by="cli")
        taken = [a.take_grant(FP_A), b.take_grant(FP_A)]
        assert sum(t is not None for t in taken) == 1
    finally:
        a.database.close()
        b.database.close()


def test_list_all_is_oldest_first_and_limited(store: ApprovalStore, clock: Clock) -> None:
    ids = []
    for i in range(5):
        clock.now += 1
        ids.append(_create(store, "sha256:" + str(i) * 64))
    store.decide(ids[0], DENIED, by="cli")
    assert [a.id for a in store.list()] == ids[1:]
    assert [a.id for a in store.list("all")] == ids
    assert [a.id for a in store.list("all", limit=2)] == ids[-2:]
    assert store.count() == 4


def test_an_unused_once_grant_runs_out(store: ApprovalStore, clock: Clock) -> None:
    approval_id = _create(store)
    store.decide(approval_id, APPROVED, by="cli")
    clock.now += ONCE_GRANT_TTL_S + 1
    assert store.take_grant(FP_A) is None
    approval = store.get(approval_id)
    assert approval is not None and approval.grant(clock.now) == GRANT_EXPIRED
    assert store.grants() == []
    assert [a.id for a in store.grants(standing_only=False)] == [approval_id]


def test_a_session_grant_counts_its_uses(store: ApprovalStore, clock: Clock) -> None:
    approval_id = _create(store)
    store.decide(approval_id, APPROVED, by="cli", scope="session")
    first_use = clock.now + 5
    for step in range(3):
        clock.now = first_use + step
        assert store.take_grant(FP_A) is not None
    grant = store.get(approval_id)
    assert grant is not None and grant.use_count == 3 and grant.used_at == first_use
    assert grant.grant(clock.now) == GRANT_STANDING


def test_an_approval_whose_agent_went_away_leaves_no_grant(store: ApprovalStore) -> None:
    approval_id = _create(store)
    gone = store.mark_gone(approval_id)
    assert gone is not None and gone.agent_gone_at is not None
    assert store.mark_gone(approval_id) is None  # marked once
    store.decide(approval_id, APPROVED, by="dashboard", scope="session")
    assert store.take_grant(FP_A) is None
    approval = store.get(approval_id)
    assert approval is not None and approval.grant() == GRANT_NONE
    assert not approval.is_standing_grant
    with pytest.raises(NotAGrant, match="stopped waiting"):
        store.revoke(approval_id, by="cli")


def test_at_start_every_pending_approval_has_lost_its_agent(store: ApprovalStore) -> None:
    first, second = _create(store), _create(store, FP_B)
    store.decide(second, DENIED, by="cli")
    assert [a.id for a in store.mark_all_gone()] == [first]
    assert store.mark_all_gone() == []


def test_asking_again_closes_the_request_it_stopped_waiting_for(store: ApprovalStore) -> None:
    old = _create(store)
    store.mark_gone(old)
    other = _create(store, FP_B)
    store.mark_gone(other)
    new = _create(store)
    closed = store.close_superseded(FP_A, new)
    assert [a.id for a in closed] == [old]
    assert closed[0].status == EXPIRED and closed[0].decided_by == "daemon"
    assert closed[0].decision_reason == f"the agent asked again ({new})"
    assert store.get(new).status == PENDING  # type: ignore[union-attr]
    assert store.get(other).status == PENDING  # type: ignore[union-attr]


def test_revoking_a_standing_grant(store: ApprovalStore) -> None:
    session = _create(store)
    store.decide(session, APPROVED, by="cli", scope="session")
    revoked = store.revoke(session, by="dashboard")
    assert revoked.revoked_by == "dashboard" and revoked.grant() == GRANT_REVOKED
    assert store.take_grant(FP_A) is None
    with pytest.raises(NotAGrant, match="revoked already"):
        store.revoke(session, by="cli")
    used = _create(store, FP_B)
    store.decide(used, APPROVED, by="cli")
    assert store.take_grant(FP_B) is not None
    with pytest.raises(NotAGrant, match="used already"):
        store.revoke(used, by="cli")
    denied = _create(store)
    store.decide(denied, DENIED, by="cli")
    with pytest.raises(NotAGrant, match="denied, not approved"):
        store.revoke(denied, by="cli")
    with pytest.raises(UnknownApproval):
        store.revoke("ap_nope", by="cli")


def test_ids_resolve_from_any_unique_prefix(store: ApprovalStore) -> None:
    ids = [_create(store) for _ in range(40)]
    target = ids[7]
    lengths = [n for n in range(4, len(target) + 1)
               if sum(i.startswith(target[:n]) for i in ids) == 1]
    shortest = target[:lengths[0]]
    assert store.resolve(shortest) == target
    assert store.resolve(shortest[3:]) == target  # without `ap_`
    assert store.resolve(target) == target
    with pytest.raises(AmbiguousId, match="more than one"):
        store.resolve("ap_")
    with pytest.raises(UnknownApproval):
        store.resolve("ap_zzzz")
    with pytest.raises(UnknownApproval):
        store.resolve("  ")


def test_a_database_from_before_grants_migrates(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # what approvald wrote before migration 5
        db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
                   "NULL, applied_at REAL NOT NULL)")
        for version, name, sql in MIGRATIONS[:4]:
            db.executescript(sql)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?, 0)", (version, name))
        db.execute("INSERT INTO approvals (id, fingerprint, status, created_at, expires_at, "
                   "action, decision) VALUES ('ap_old', ?, 'pending', 1, 2, '{}', '{}')",
                   (FP_A,))
    store = open_store(path, clock)
    try:
        old = store.get("ap_old")
        assert old is not None and old.use_count == 0 and old.agent_gone_at is None
    finally:
        store.database.close()
