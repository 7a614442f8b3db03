"""Rulings from the daemon's answers and from the local policy; the gateway's settings; tool
repair. No processes: the judge runs against a real policy engine on a temp home."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from approvald.gateway.config import ASK, WARN, gateway_settings
from approvald.gateway.judge import Judge, local_ruling, ruling_from_answer
from approvald.gateway.link import DaemonLink
from approvald.gateway.proxy import repair_tool
from approvald.model.actions import build_action
from approvald.paths import get_paths
from tests.support.gateway import write_policy


def answer(**fields: Any) -> dict[str, Any]:
    return {"decision": "REQUIRE_APPROVAL", "reason": "pushing needs a person",
            "rules": ["git-push"], "known_values": 0, **fields}


def test_daemon_answers_become_rulings() -> None:
    allowed = ruling_from_answer({"decision": "ALLOW", "reason": "ok", "rules": [],
                                  "known_values": 2})
    assert allowed.allowed and allowed.known_values == 2
    denied = ruling_from_answer({"decision": "DENY", "reason": "no .env", "rules": ["r1"]})
    assert not denied.allowed
    assert denied.text == "approvald denied this call (rule r1): no .env"
    approved = ruling_from_answer(answer(status="approved", decided_by="cli",
                                         scope="session", approval_id="ap_1"))
    assert approved.allowed and "for this session" in approved.text
    by_person = ruling_from_answer(answer(status="denied", decided_by="dashboard",
                                          decision_reason="not today"))
    assert not by_person.allowed and "a person denied this call (dashboard): not today" in \
        by_person.text and by_person.outcome == "a person refused it"
    stopping = ruling_from_answer(answer(status="denied", decided_by="daemon",
                                         decision_reason="daemon stopping"))
    assert "no decision was made (daemon stopping)" in stopping.text
    expired = ruling_from_answer(answer(status="expired", decision_reason="no decision in 5 s"))
    assert "nobody decided in time" in expired.text and expired.outcome == \
        "nobody decided in time"
    odd = ruling_from_answer({"decision": "MAYBE"})
    assert not odd.allowed and "unknown decision" in odd.text


def test_local_require_approval_is_refused_saying_why() -> None:
    ruling = local_ruling({"decision": "REQUIRE_APPROVAL", "reason": "r", "rules": ["x"]})
    assert not ruling.allowed and ruling.local
    assert "no approvald daemon runs" in ruling.text
    assert ruling.outcome.startswith("nobody could be asked")


def action(tool: str, arguments: dict[str, Any]) -> Any:
    return build_action(kind="mcp.call", tool=f"mcp__fs__{tool}",
                        tool_input={"server": "fs", "tool": tool, "arguments": arguments},
                        agent="mcp", session_id="s", cwd="/tmp")


async def test_the_local_judge_uses_the_policy_and_follows_its_changes(
        approvald_home: Path) -> None:
    paths = get_paths()
    judge = Judge(DaemonLink(paths), paths)
    assert (await judge.rule(action("read", {}))).allowed  # no daemon: the starter allows
    write_policy(approvald_home, "rules:\n  - id: no-fs-write\n    decision: DENY\n"
                                 "    reason: read only.\n"
                                 "    match: {kind: mcp.call, mcp_tool: write}\n")
    denied = await judge.rule(action("write", {}))
    assert not denied.allowed and denied.local and "no-fs-write" in denied.text
    floor = {"rule": "mcp-injection", "reason": "suspicious"}
    asked = await judge.rule(action("read", {}), floor)
    assert not asked.allowed and "mcp-injection" in asked.text
    write_policy(approvald_home, "rules: [}")  # broken: nothing passes
    broken = await judge.rule(action("read", {}))
    assert not broken.allowed and "policy does not load" in broken.text
    audit = (approvald_home / "audit" / "audit.jsonl").read_text()
    assert audit.count('"mode":"local"') == 4 and '"via":"gateway"' in audit


def test_gateway_settings_are_read_leniently() -> None:
    default = gateway_settings({})
    assert default.injection == ASK and default.holds_flagged_tools
    assert default.max_result_bytes == 1024 * 1024 and default.problems == ()
    custom = gateway_settings({"injection": "warn", "max_result_kb": 64, "call_timeout_s": 5})
    assert (custom.injection, custom.max_result_bytes, custom.call_timeout_s) == (WARN, 65536, 5)
    assert not custom.holds_flagged_tools
    bad = gateway_settings({"injection": "shout", "max_result_kb": -1, "sampling": "yes",
                            "call_timeout_s": True, "colour": "red"})
    assert bad == default
    assert len(bad.problems) == 5 and "unknown key(s) colour" in bad.problems[0]


@pytest.mark.parametrize(("raw", "schema"), [
    ({"name": "a", "inputSchema": {}}, {"type": "object"}),
    ({"name": "a"}, {"type": "object"}),
    ({"name": "a", "inputSchema": "no"}, {"type": "object"}),
    ({"name": "a", "inputSchema": {"properties": {"x": {"type": "string"}}}},
     {"type": "object", "properties": {"x": {"type": "string"}}}),
])
def test_tools_are_repaired_where_they_can_be(raw: dict[str, Any], schema: Any) -> None:
    repaired = repair_tool(raw)
    assert repaired is not None and repaired["inputSchema"] == schema


def test_tools_that_cannot_be_tools_are_dropped() -> None:
    assert repair_tool({"name": 5}) is None
    assert repair_tool({"name": "x" * 129}) is None  # too long to pin
    assert repair_tool({"name": "a\nb"}) is None
    assert repair_tool("tool") is None
    assert repair_tool({"name": "a", "inputSchema": {"type": "string"}}) is None


@pytest.mark.parametrize(("command", "decision"), [
    ("approvald mcp pins accept fs read_file", "DENY"),
    ("python3 -m approvald mcp pins accept fs", "DENY"),
    ("approvald mcp pins list --json", "ALLOW"),
])
def test_accepting_pins_is_the_operators_act(approvald_home: Path, command: str,
                                             decision: str) -> None:
    from approvald.policy import load_engine

    action = build_action(kind="process.exec", tool="Bash", tool_input={"command": command},
                          agent="claude-code", session_id="s", cwd="/tmp")
    result = load_engine().evaluate(action)
    assert result.decision == decision
    assert ("self.operator-commands" in result.rules) == (decision == "DENY")
