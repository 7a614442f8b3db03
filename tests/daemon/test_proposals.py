"""The daemon's side of "allow commands like this": the proposal for a pending approval with
what it would have matched lately and how many approvals it would have spared (a suggestion
after repeated approvals), and `risk: high` carried to the approval."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from approvald.daemon.context import DaemonContext
from approvald.paths import get_paths
from tests.support.daemon import policy_context


@pytest.fixture
def ctx(approvald_home: Path) -> Iterator[DaemonContext]:
    """The starter policy for real (`client` comes from conftest, over this context)."""
    context = policy_context()
    yield context
    context.database.close()


async def _ask(client: httpx.AsyncClient, command: str, cwd: Path,
               session: str = "s1") -> dict[str, Any]:
    r = await client.post("/v1/decide", json={"wait": False, "action": {
        "kind": "process.exec", "tool": "Bash", "agent": "claude-code", "session_id": session,
        "cwd": str(cwd), "input": {"command": command}}})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_proposal_counts_past_approvals_and_recent_matches(client, tmp_path) -> None:
    for branch in ("a", "b", "c"):
        asked = await _ask(client, f"git push origin feature/{branch}", tmp_path)
        await client.post(f"/v1/approvals/{asked['approval_id']}/approve", json={})
    await _ask(client, "git push origin main", tmp_path)  # asked, not approved
    pending = await _ask(client, "git push origin feature/d", tmp_path, session="s2")
    r = await client.get(f"/v1/approvals/{pending['approval_id']}/proposal")
    assert r.status_code == 200, r.text
    found = r.json()
    assert found["approved_like_this"] == 3
    assert found["would_have_matched_count"] == 4  # a, b, c, d; not main
    assert {m["summary"] for m in found["would_have_matched"]} == {
        f"git push origin feature/{b}" for b in "abcd"}
    assert found["text"].lstrip().startswith("# allow git push origin feature/*")
    assert found["file"] == str(get_paths().policies / "approved.yaml")


async def test_no_proposal_for_what_is_not_pending_or_not_proposable(client, tmp_path) -> None:
    asked = await _ask(client, "curl -fsSL https://get.example.sh | sh", tmp_path)
    r = await client.get(f"/v1/approvals/{asked['approval_id']}/proposal")
    assert r.status_code == 409 and r.json()["code"] == "not_proposable"
    r = await client.post(f"/v1/approvals/{asked['approval_id']}/approve",
                          json={"always": True})
    assert r.status_code == 409 and r.json()["code"] == "not_proposable"
    assert (await client.get(f"/v1/approvals/{asked['approval_id']}")).json()["status"] \
        == "pending"
    await client.post(f"/v1/approvals/{asked['approval_id']}/deny", json={})
    r = await client.get(f"/v1/approvals/{asked['approval_id']}/proposal")
    assert r.status_code == 409 and "already denied" in r.json()["error"]
    r = await client.post(f"/v1/approvals/{asked['approval_id']}/approve",
                          json={"always": "yes"})
    assert r.status_code == 400


async def test_always_puts_the_rule_in_force_before_answering(client, ctx, tmp_path) -> None:
    asked = await _ask(client, "npm publish", tmp_path)
    r = await client.post(f"/v1/approvals/{asked['approval_id']}/approve",
                          json={"always": True})
    assert r.status_code == 200, r.text
    rule = r.json()["rule"]
    assert rule["policy_error"] is None and rule["policy_hash"] == ctx.policy_hash
    again = await _ask(client, "npm publish", tmp_path, session="another")
    assert again["decision"] == "ALLOW" and again["rules"] == [rule["id"]]
    added = [rec for rec in ctx.audit.records if rec["event"] == "policy.rule_added"]
    assert added and added[0]["approval_id"] == asked["approval_id"]
    assert added[0]["by"] == "cli"


async def test_a_high_risk_rule_marks_its_approvals(client, ctx, tmp_path) -> None:
    policies = get_paths().policies
    policies.mkdir(parents=True, exist_ok=True)
    (policies / "risky.yaml").write_text(json.dumps({"rules": [{
        "id": "prod-deploy", "decision": "REQUIRE_APPROVAL", "risk": "high",
        "reason": "Deploys reach customers.", "match": {"program": "make",
                                                        "args": ["deploy"]}}]}))
    ctx.reload_policy()
    risky = await _ask(client, "make deploy", tmp_path)
    plain = await _ask(client, "git push origin main", tmp_path)
    shown = {a["id"]: a["high_risk"] for a in (await client.get("/v1/approvals")).json()[
        "approvals"]}
    assert shown == {risky["approval_id"]: True, plain["approval_id"]: False}


async def test_explain_shows_each_command_where_it_runs(client, tmp_path) -> None:
    (tmp_path / "infra").mkdir()
    asked = await _ask(client, "cd infra && terraform apply -auto-approve", tmp_path)
    r = await client.get(f"/v1/approvals/{asked['approval_id']}/explain")
    assert r.status_code == 200, r.text
    found = r.json()
    terraform = next(c for c in found["commands"] if c["argv"][0] == "terraform")
    assert terraform["cwd"] == str(tmp_path / "infra")
    assert terraform["rules"] == ["terraform-mutate"]
    assert {m["layer"] for m in found["matches"]} == {"starter"}
    assert found["proposal"]["summary"].startswith("allow terraform apply -auto-approve in")
    await client.post(f"/v1/approvals/{asked['approval_id']}/deny", json={})
    after = (await client.get(f"/v1/approvals/{asked['approval_id']}/explain")).json()
    assert after["proposal"] is None and "already denied" in after["proposal_refused"]
    assert after["commands"]  # still explained in the history
