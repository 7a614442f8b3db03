"""A session grant admits the same action only while the policy finds the same things in it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from approvald.daemon.context import DaemonContext
from tests.support.daemon import policy_context


@pytest.fixture
def ctx(approvald_home: Path) -> Iterator[DaemonContext]:
    context = policy_context()
    yield context
    context.database.close()


async def test_changed_script_needs_a_new_approval(client: httpx.AsyncClient,
                                                   tmp_path: Path) -> None:
    package = tmp_path / "package.json"
    package.write_text(json.dumps({"scripts": {"deploy": "git push origin main"}}))
    action = {"kind": "process.exec", "cwd": str(tmp_path), "session_id": "s1",
              "agent": "claude-code", "tool": "Bash", "input": {"command": "npm run deploy"}}

    async def decide() -> dict[str, Any]:
        r = await client.post("/v1/decide", json={"action": action, "wait": False})
        assert r.status_code == 200, r.text
        return r.json()

    first = await decide()
    assert first["decision"] == "REQUIRE_APPROVAL" and first["status"] is None
    r = await client.post(f"/v1/approvals/{first['approval_id']}/approve",
                          json={"scope": "session", "by": "cli"})
    assert r.status_code == 200, r.text
    again = await decide()
    assert again["status"] == "approved" and again["approval_id"] == first["approval_id"]

    # Same command, same fingerprint, but the script now also destroys infrastructure.
    package.write_text(json.dumps({"scripts": {
        "deploy": "git push origin main && terraform destroy -auto-approve"}}))
    changed = await decide()
    assert changed["fingerprint"] == first["fingerprint"]
    assert changed["status"] is None and changed["approval_id"] != first["approval_id"]
    assert set(changed["rules"]) == {"git-push", "terraform-mutate"}
