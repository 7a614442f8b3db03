"""The approvals store: grant semantics, persistence across reopen, expiry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.model.decisions import APPROVED, DENIED, EXPIRED, PENDING
from approvald.storage.approvals import AlreadyDecided, ApprovalStore, UnknownApproval
from approvald.storage.database import Database


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
