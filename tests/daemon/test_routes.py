"""The daemon's HTTP API over ASGI, with a small fake policy engine (no sockets)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from approvald.settings import Settings
from tests.support.daemon import TOKEN, decide_body
from tests.support.payloads import claude_code_payload


async def _decide(client: httpx.AsyncClient, command: str, wait: bool = True,
                  **kw: Any) -> dict[str, Any]:
    r = await client.post("/v1/decide", json=decide_body(command, wait=wait, **kw))
    assert r.status_code == 200, r.text
    return r.json()


async def _pending(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    r = await client.get("/v1/approvals")
    assert r.status_code == 200
    return r.json()["approvals"]


async def test_allow_and_deny_answer_at_once_and_are_audited(client, ctx) -> None:
    allowed = await _decide(client, "ls -la")
    assert allowed["decision"] == "ALLOW" and allowed["approval_id"] is None
    denied = await _decide(client, "cat .env")
    assert denied["decision"] == "DENY" and denied["rules"] == ["secrets-env"]
    assert denied["fingerprint"].startswith("sha256:")
    events = [r["event"] for r in ctx.audit.records]
    assert events == ["decision", "decision"]
    assert ctx.audit.records[1]["summary"] == "cat .env"
    assert ctx.audit.records[1]["session_id"] == "s1"


async def test_status_needs_no_token_and_reports(client, ctx) -> None:
    r = await client.get("/v1/status", headers={"Authorization": ""})
    assert r.status_code == 200
    body = r.json()
    assert body["running"] is True and body["policy_hash"] == "sha256:fake"
    assert body["pending"] == 0 and body["approval_timeout_s"] == 30
    assert body["policy_error"] is None


@pytest.mark.parametrize("path", ["/v1/approvals", "/v1/activity", "/v1/approvals/ap_x"])
async def test_operator_endpoints_refuse_without_the_token(client, path) -> None:
    for header in ("", "Bearer wrong", f"Basic {TOKEN}"):
        r = await client.get(path, headers={"Authorization": header})
        assert r.status_code == 401
        assert "token" in r.json()["error"]
    r = await client.post("/v1/approvals/ap_x/approve", json={},
                          headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


async def test_waiting_request_is_answered_by_approval_and_used_once(client, ctx) -> None:
    waiting = asyncio.create_task(_decide(client, "git push origin main"))
    for _ in range(100):
        pending = await _pending(client)
        if pending:
            break
        await asyncio.sleep(0.01)
    assert len(pending) == 1
    item = pending[0]
    assert item["summary"] == "git push origin main" and item["rules"] == ["git-push"]
    assert not waiting.done()
    # A decision for another request does not wake this one.
    r = await client.post(f"/v1/approvals/{item['id']}/approve",
                          json={"scope": "once", "by": "cli"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    answer = await asyncio.wait_for(waiting, 5)
    assert answer["status"] == "approved" and answer["approval_id"] == item["id"]
    assert answer["decided_by"] == "cli"
    # Single use: the same action again needs a new approval.
    again = await _decide(client, "git push origin main", wait=False)
    assert again["status"] is None and again["approval_id"] != item["id"]
    events = [r["event"] for r in ctx.audit.records]
    assert "approval.requested" in events and "approval.decided" in events


async def test_deny_with_reason_reaches_the_waiter(client) -> None:
    waiting = asyncio.create_task(_decide(client, "git push --force"))
    while not (pending := await _pending(client)):
        await asyncio.sleep(0.01)
    r = await client.post(f"/v1/approvals/{pending[0]['id']}/deny",
                          json={"reason": "not on a Friday", "by": "dashboard"})
    assert r.status_code == 200
    answer = await asyncio.wait_for(waiting, 5)
    assert answer["status"] == "denied"
    assert answer["decision_reason"] == "not on a Friday"
    # Who decided comes from the surface, never from the body: no event stream is open from
    # this client, so it is the CLI whatever it says.
    assert answer["decided_by"] == "cli"


async def test_approval_without_waiter_is_used_by_next_identical_request(client) -> None:
    first = await _decide(client, "git push", wait=False)
    r = await client.post(f"/v1/approvals/{first['approval_id']}/approve", json={})
    assert r.status_code == 200
    other = await _decide(client, "git push", wait=False, session="s2")
    assert other["status"] is None  # another session: its own approval
    same = await _decide(client, "git push")
    assert same["status"] == "approved" and same["approval_id"] == first["approval_id"]
    third = await _decide(client, "git push", wait=False)
    assert third["status"] is None


async def test_session_scope_admits_the_same_action_in_that_session_only(client) -> None:
    first = await _decide(client, "git push", wait=False)
    await client.post(f"/v1/approvals/{first['approval_id']}/approve",
                      json={"scope": "session"})
    for _ in range(3):
        again = await _decide(client, "git push")
        assert again["status"] == "approved" and again["scope"] == "session"
    different = await _decide(client, "git push --tags", wait=False)
    assert different["status"] is None
    elsewhere = await _decide(client, "git push", wait=False, cwd="/work/other")
    assert elsewhere["status"] is None


async def test_deciding_unknown_or_decided_approvals(client) -> None:
    r = await client.post("/v1/approvals/ap_nope/approve", json={})
    assert r.status_code == 404
    first = await _decide(client, "git push", wait=False)
    url = f"/v1/approvals/{first['approval_id']}"
    assert (await client.post(url + "/deny", json={})).status_code == 200
    r = await client.post(url + "/approve", json={})
    assert r.status_code == 409 and "already denied" in r.json()["error"]
    assert (await client.get(url)).json()["status"] == "denied"


async def test_bad_requests_are_400_with_one_sentence(client) -> None:
    cases = [
        b"not json",
        b"[1, 2]",
        b'{"agent": "claude-code", "payload": {"tool_name": 5}}',
        b'{"agent": "claude-code", "payload": "x"}',
        b'{"agent": "nobody", "payload": {}}',
        b'{"nothing": 1}',
        b'{"action": {"kind": "nope"}}',
        b'{"payload": {"tool_name": "Bash", "tool_input": {}}, "wait": "yes"}',
    ]
    for body in cases:
        r = await client.post("/v1/decide", content=body)
        assert r.status_code == 400, body
        assert isinstance(r.json()["error"], str) and r.json()["error"]
    r = await client.post("/v1/approvals/ap_x/approve", json={"scope": "forever"})
    assert r.status_code in (400, 404)
    r = await client.get("/v1/approvals?status=weird")
    assert r.status_code == 400


async def test_action_json_is_accepted(client) -> None:
    r = await client.post("/v1/decide", json={"action": {
        "kind": "process.exec", "tool": "Bash", "session_id": "s", "cwd": "/tmp",
        "input": {"command": "ls"}}})
    assert r.status_code == 200 and r.json()["decision"] == "ALLOW"


async def test_timeout_expires_and_answers(client, ctx) -> None:
    ctx.settings = Settings(approval_timeout_s=1)
    answer = await asyncio.wait_for(_decide(client, "git push"), 10)
    assert answer["status"] == "expired"
    assert answer["decision_reason"] == "no decision within 1 s"
    approval = ctx.approvals.get(answer["approval_id"])
    assert approval.status == "expired" and approval.decided_by == "timeout"


async def test_stopping_answers_waiters_with_deny(client, ctx) -> None:
    waiting = asyncio.create_task(_decide(client, "git push"))
    while not await _pending(client):
        await asyncio.sleep(0.01)
    ctx.stop_waiters()
    answer = await asyncio.wait_for(waiting, 5)
    assert answer["status"] == "denied" and answer["decision_reason"] == "daemon stopping"
    assert ctx.approvals.count() == 1  # still pending for the next daemon
    r = await client.post("/v1/decide", json={"payload": claude_code_payload("ls")})
    assert r.status_code == 503


async def test_many_waiters_each_woken_only_by_their_own_approval(client) -> None:
    commands = [f"git push origin b{i}" for i in range(5)]
    tasks = {c: asyncio.create_task(_decide(client, c)) for c in commands}
    while len(pending := await _pending(client)) < 5:
        await asyncio.sleep(0.01)
    # Other actions still flow while five wait.
    assert (await _decide(client, "ls"))["decision"] == "ALLOW"
    by_summary = {p["summary"]: p["id"] for p in pending}
    await client.post(f"/v1/approvals/{by_summary[commands[2]]}/approve", json={})
    answer = await asyncio.wait_for(tasks[commands[2]], 5)
    assert answer["status"] == "approved"
    await asyncio.sleep(0.05)
    assert [c for c, t in tasks.items() if t.done()] == [commands[2]]
    for c in commands:
        if c != commands[2]:
            await client.post(f"/v1/approvals/{by_summary[c]}/deny", json={})
    results = await asyncio.wait_for(asyncio.gather(*tasks.values()), 5)
    assert sorted(r["status"] for r in results) == ["approved"] + ["denied"] * 4


async def test_activity_and_reload(client, ctx) -> None:
    await _decide(client, "ls")
    await _decide(client, "cat .env")
    r = await client.get("/v1/activity?limit=10")
    events = r.json()["events"]
    assert [e["decision"] for e in events] == ["ALLOW", "DENY"]
    assert all(e["type"] == "decision" and e["ts"] for e in events)
    r = await client.post("/v1/policy/reload")
    assert r.json() == {"policy_hash": "sha256:fake", "policy_error": None}


async def test_broken_reload_keeps_the_last_good_policy(client, ctx) -> None:
    def broken() -> Any:
        raise ValueError("policies/mine.yaml:3: bad rule")

    ctx._engine_loader = broken
    r = await client.post("/v1/policy/reload")
    assert r.json() == {"policy_hash": "sha256:fake",
                        "policy_error": "policies/mine.yaml:3: bad rule"}
    status = (await client.get("/v1/status")).json()
    assert status["policy_error"] == "policies/mine.yaml:3: bad rule"
    assert (await _decide(client, "cat .env"))["decision"] == "DENY"  # old engine still in force


async def test_event_bus_drops_slow_subscribers(ctx) -> None:
    from approvald.daemon.events import EventBus

    bus = EventBus(maxsize=3)
    slow, fast = bus.subscribe(), bus.subscribe()
    for i in range(5):
        bus.publish("decision", {"n": i})
        got = await fast.get(1)
        assert got is not None and got["n"] == i
    assert slow.dropped and bus.subscriber_count == 1
    with pytest.raises(StopAsyncIteration):
        while True:
            await slow.get(1)


async def test_oversized_action_is_denied_without_analysis(client) -> None:
    from approvald.model import limits

    answer = await _decide(client, "echo " + "x" * (limits.MAX_ANALYZED_BYTES + 1))
    assert answer["decision"] == "DENY" and answer["rules"] == [limits.SIZE_RULE]
    assert "too large" in answer["reason"] and answer["fingerprint"].startswith("sha256:")


async def test_slow_analysis_is_cut_off_and_others_still_served(
        client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from approvald.model import limits

    monkeypatch.setattr(limits, "EVALUATION_TIMEOUT_S", 3.0)
    gate = tmp_path / "gate"  # the fake engine's analysis lasts until it exists
    slow = asyncio.create_task(_decide(client, f"wait-for {gate}"))
    assert (await _decide(client, "ls"))["decision"] == "ALLOW"
    assert not slow.done()  # answered while the slow one still runs, not behind it
    answer = await asyncio.wait_for(slow, 30)
    gate.touch()  # the analysis that was cut off ends too
    assert answer["decision"] == "DENY" and answer["rules"] == [limits.TIMEOUT_RULE]


async def test_hook_endpoint_renders_claude_code_answers(client) -> None:
    r = await client.post("/v1/hook/claude-code", json=claude_code_payload("ls"))
    assert r.status_code == 200 and r.content == b""
    assert r.headers["x-approvald-decision"] == "ALLOW"
    r = await client.post("/v1/hook/claude-code", json=claude_code_payload("cat .env"))
    out = r.json()["hookSpecificOutput"]
    assert out["permissionDecision"] == "deny" and "reading .env" in out[
        "permissionDecisionReason"]
    waiting = asyncio.create_task(client.post("/v1/hook/claude-code",
                                              json=claude_code_payload("git push")))
    while not (pending := await _pending(client)):
        await asyncio.sleep(0.01)
    await client.post(f"/v1/approvals/{pending[0]['id']}/approve", json={})
    r = await asyncio.wait_for(waiting, 5)
    out = r.json()["hookSpecificOutput"]
    assert out["permissionDecision"] == "allow" and pending[0]["id"] in out[
        "permissionDecisionReason"]
    r = await client.post("/v1/hook/claude-code", json={"tool_name": 3})
    assert r.status_code == 400 and r.json()["error"]
