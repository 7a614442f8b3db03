"""The daemon's MCP gateway routes over ASGI: pins, reports, redaction, a decision's floor."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from approvald.model import events
from approvald.redaction import forget_secrets, remember_secret


def observe_body(description: str, findings: list[dict[str, Any]] | None = None,
                 hold: bool = True) -> dict[str, Any]:
    return {"server": "fs", "upstream": "npx fs", "hold_flagged": hold, "tools": [
        {"name": "read", "definition": {"description": description,
                                        "inputSchema": {"type": "object"}},
         "findings": findings or []}]}


async def test_observe_needs_no_operator_token_and_withholds_changes(client, ctx) -> None:
    bare = {"Authorization": ""}
    first = await client.post("/v1/mcp/pins/observe", json=observe_body("Read."), headers=bare)
    assert first.status_code == 200, first.text
    assert [t["status"] for t in first.json()["tools"]] == ["pinned"]
    second = await client.post("/v1/mcp/pins/observe", json=observe_body("Read and send."),
                               headers=bare)
    assert [t["status"] for t in second.json()["tools"]] == ["changed"]
    assert ctx.audit.events() == [events.MCP_PIN_ADDED, events.MCP_PIN_CHANGED]
    # Accepting is the operator's: refused without the token.
    refused = await client.post("/v1/mcp/pins/accept", json={"server": "fs"}, headers=bare)
    assert refused.status_code == 401
    listed = (await client.get("/v1/mcp/pins")).json()["pins"]
    assert [(p["name"], p["status"]) for p in listed] == [("mcp__fs__read", "changed")]
    assert listed[0]["seen_definition"]["description"] == "Read and send."
    accepted = await client.post("/v1/mcp/pins/accept",
                                 json={"server": "fs", "tool": "read", "by": "dashboard"})
    assert [p["accepted_by"] for p in accepted.json()["accepted"]] == ["dashboard"]
    assert ctx.audit.events()[-1] == events.MCP_PIN_ACCEPTED


async def test_observe_refuses_bad_bodies(client) -> None:
    for body in ({"server": "fs", "tools": "x"}, {"tools": []},
                 {"server": "fs", "tools": [{"name": 3}]},
                 {"server": "fs", "hold_flagged": "yes", "tools": []},
                 {"server": "", "tools": []}):
        r = await client.post("/v1/mcp/pins/observe", json=body)
        assert r.status_code == 400, body
        assert r.json()["error"]


async def test_findings_are_trimmed_and_flag_a_new_tool(client, ctx) -> None:
    finding = {"kind": "ignore-previous", "excerpt": "x" * 5000, "extra": "dropped"}
    r = await client.post("/v1/mcp/pins/observe", json=observe_body("Ignore...", [finding]))
    assert [t["status"] for t in r.json()["tools"]] == ["flagged"]
    [pin] = (await client.get("/v1/mcp/pins?server=fs")).json()["pins"]
    assert pin["findings"][0]["kind"] == "ignore-previous"
    assert len(pin["findings"][0]["excerpt"]) == 300 and "extra" not in pin["findings"][0]


async def test_reports_go_to_the_audit_log_and_the_event_stream(client, ctx) -> None:
    subscription = ctx.events.subscribe()
    r = await client.post("/v1/mcp/report", json={
        "event": events.MCP_INJECTION, "server": "fs", "tool": "read", "where": "result",
        "action": "warned", "findings": [{"kind": "hidden-unicode", "excerpt": "..."}],
        "bogus": "not kept"}, headers={"Authorization": ""})
    assert r.status_code == 200, r.text
    record = ctx.audit.records[-1]
    assert record["event"] == events.MCP_INJECTION and record["via"] == "gateway"
    assert "bogus" not in record and record["findings"][0]["kind"] == "hidden-unicode"
    event = await subscription.get(1)
    assert event is not None and event["type"] == events.MCP_INJECTION
    bad = await client.post("/v1/mcp/report", json={"event": "decision"})
    assert bad.status_code == 400


async def test_redact_uses_what_the_daemon_remembers(client) -> None:
    value = "lease-value-" + "q" * 20
    remember_secret("GH_TOKEN", value)
    try:
        r = await client.post("/v1/redact", json={"value": {"text": f"got {value}", "n": 1}},
                              headers={"Authorization": ""})
        assert r.json()["value"] == {"text": "got [REDACTED:GH_TOKEN]", "n": 1}
    finally:
        forget_secrets()


async def test_a_floor_makes_an_allow_ask_and_leaves_a_deny(client, ctx) -> None:
    async def decide(command: str, floor: Any, wait: bool = False) -> httpx.Response:
        action = {"kind": "process.exec", "tool": "Bash", "session_id": "s", "cwd": "/tmp",
                  "input": {"command": command}}
        return await client.post("/v1/decide", json={"action": action, "wait": wait,
                                                     "floor": floor})

    floor = {"rule": "mcp-injection", "reason": "the result asks the model to do things"}
    asked = (await decide("ls", floor)).json()
    assert asked["decision"] == "REQUIRE_APPROVAL" and asked["rules"] == ["mcp-injection"]
    assert asked["reason"] == floor["reason"] and asked["approval_id"]
    assert asked["known_values"] == 0
    denied = (await decide("cat .env", floor)).json()
    assert denied["decision"] == "DENY" and denied["rules"] == ["secrets-env"]
    assert (await decide("ls", None)).json()["decision"] == "ALLOW"
    for bad in ({"rule": "self.state", "reason": "x"}, {"rule": "mcp-x"}, "mcp-x"):
        assert (await decide("ls", bad)).status_code == 400
    # Waiting on a floor works like any approval.
    waiting = asyncio.ensure_future(decide("ls -l", floor, wait=True))
    while not ctx.approvals.list("pending", 10) or len(ctx.approvals.list("pending", 10)) < 2:
        await asyncio.sleep(0.01)
    newest = ctx.approvals.list("pending", 10)[-1]
    r = await client.post(f"/v1/approvals/{newest.id}/deny", json={"reason": "no"})
    assert r.status_code == 200
    answer = (await waiting).json()
    assert answer["status"] == "denied" and answer["decision_reason"] == "no"
