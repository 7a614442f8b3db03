"""Approvals that follow the agent: a request whose hook went away leaves no grant, an unused
once-grant runs out, standing grants can be listed and revoked, and ids resolve from prefixes.
In process over ASGI with the fake engine; the real hook and CLI are in tests/cli."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from approvald.agents import payload_reader
from approvald.daemon import decisions
from approvald.daemon.context import DaemonContext
from approvald.daemon.services import SweepService
from tests.support.daemon import decide_body


def _action(command: str = "git push origin main", session: str = "s1") -> Any:
    return payload_reader("claude-code")(decide_body(command, session=session)["payload"])


async def _decide(client: httpx.AsyncClient, command: str, **kw: Any) -> dict[str, Any]:
    r = await client.post("/v1/decide", json=decide_body(command, **kw))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _asked_then_gone(ctx: DaemonContext) -> str:
    """A hook asks for `git push origin main`, then goes away while it is pending."""
    gone = asyncio.Event()
    waiting = asyncio.create_task(decisions.decide(ctx, _action(), wait=True,
                                                   disconnected=gone.wait))
    for _ in range(200):
        pending = ctx.approvals.list()
        if pending:
            break
        await asyncio.sleep(0.01)
    gone.set()
    answer = await asyncio.wait_for(waiting, 5)
    assert answer["status"] is None  # nobody decided: the hook left
    return str(pending[0].id)


async def test_a_request_whose_hook_left_is_marked_and_leaves_no_grant(client, ctx) -> None:
    approval_id = await _asked_then_gone(ctx)
    listed = (await client.get("/v1/approvals")).json()["approvals"]
    assert [a["id"] for a in listed] == [approval_id]
    assert listed[0]["agent_gone_at"] is not None
    assert "approval.agent_gone" in ctx.audit.events()
    r = await client.post(f"/v1/approvals/{approval_id}/approve", json={"scope": "session"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert r.json()["grant"] == "none"
    # The person approved something nobody waits for: the next identical request still asks.
    again = await _decide(client, "git push origin main", wait=False)
    assert again["status"] is None and again["approval_id"] != approval_id
    assert (await client.get("/v1/grants")).json()["grants"] == []


async def test_asking_again_closes_the_request_the_hook_left(client, ctx) -> None:
    old = await _asked_then_gone(ctx)
    new = await _decide(client, "git push origin main", wait=False)
    pending = (await client.get("/v1/approvals")).json()["approvals"]
    assert [a["id"] for a in pending] == [new["approval_id"]]
    closed = (await client.get(f"/v1/approvals/{old}")).json()
    assert closed["status"] == "expired" and closed["decided_by"] == "daemon"
    assert new["approval_id"] in closed["decision_reason"]


async def test_a_new_daemon_marks_what_an_old_one_left_pending(client, ctx) -> None:
    asked = await _decide(client, "git push origin main", wait=False)
    service = SweepService()
    service.start(ctx)  # what a (re)started daemon does first
    service.stop()
    approval = (await client.get(f"/v1/approvals/{asked['approval_id']}")).json()
    assert approval["status"] == "pending" and approval["agent_gone_at"] is not None


async def test_grants_are_listed_with_their_use_and_revoked(client, ctx) -> None:
    asked = await _decide(client, "git push origin main", wait=False)
    approval_id = asked["approval_id"]
    await client.post(f"/v1/approvals/{approval_id}/approve", json={"scope": "session"})
    for _ in range(2):
        used = await _decide(client, "git push origin main")
        assert used["status"] == "approved" and used["approval_id"] == approval_id
    grants = (await client.get("/v1/grants")).json()["grants"]
    assert [(g["id"], g["grant"], g["use_count"]) for g in grants] == [
        (approval_id, "standing", 2)]
    r = await client.post(f"/v1/approvals/{approval_id[:8]}/revoke", json={})
    assert r.status_code == 200
    assert r.json()["grant"] == "revoked" and r.json()["revoked_by"] == "cli"
    assert "approval.revoked" in ctx.audit.events()
    after = await _decide(client, "git push origin main", wait=False)
    assert after["status"] is None  # the grant admits nothing more
    again = await client.post(f"/v1/approvals/{approval_id}/revoke", json={})
    assert again.status_code == 409 and "revoked already" in again.json()["error"]
    assert again.json()["code"] == "not_a_grant"
    everything = (await client.get("/v1/grants?status=all")).json()["grants"]
    assert [g["grant"] for g in everything if g["id"] == approval_id] == ["revoked"]
    assert (await client.get("/v1/grants?status=some")).status_code == 400


async def test_any_unique_prefix_names_an_approval(client, ctx) -> None:
    first = (await _decide(client, "git push origin a", wait=False))["approval_id"]
    second = (await _decide(client, "git push origin b", wait=False))["approval_id"]
    common = 3
    while first[:common + 1] == second[:common + 1]:
        common += 1
    short = first[:common + 1]
    assert (await client.get(f"/v1/approvals/{short}")).json()["id"] == first
    assert (await client.get(f"/v1/approvals/{short[3:]}")).json()["id"] == first
    ambiguous = await client.post(f"/v1/approvals/{first[:common]}/deny", json={})
    assert ambiguous.status_code == 409 and ambiguous.json()["code"] == "ambiguous_id"
    r = await client.post(f"/v1/approvals/{short}/deny", json={"reason": "no"})
    assert r.status_code == 200 and r.json()["id"] == first
    assert (await client.get("/v1/approvals/ap_zz")).status_code == 404
