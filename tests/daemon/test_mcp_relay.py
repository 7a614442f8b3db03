"""One approval, two checkpoints: the hook's approved MCP call passes the gateway's check of
the same call once, within the window; anything else asks again."""

from __future__ import annotations

from typing import Any

import pytest

from approvald.agents import get_agent
from approvald.audit.background import AuditWriter
from approvald.daemon import decisions
from approvald.daemon.mcp_relay import RELAY_WINDOW_S, McpRelay
from approvald.model.actions import Action, build_action
from approvald.model.decisions import APPROVED, DENY
from approvald.paths import get_paths
from approvald.policy.decision import Decision
from tests.support.audit import GatedSink
from tests.support.daemon import approved_in_process, make_context
from tests.support.payloads import claude_code_payload


def hook_action(tool: str = "mcp__fs__read", **arguments: Any) -> Any:
    """As Claude Code's hook reads its payload for an MCP tool."""
    return get_agent("claude-code").action(claude_code_payload(
        tool=tool, tool_input=arguments or {"path": "/a"}, cwd="/p"))


def gateway_action(tool: str = "read", server: str = "fs", **arguments: Any) -> Any:
    return build_action(kind="mcp.call", tool=f"mcp__{server}__{tool}",
                        tool_input={"server": server, "tool": tool,
                                    "arguments": arguments or {"path": "/a"}},
                        agent="claude-code", session_id="gw-1", cwd="/p")


APPROVAL: Any = object()


def relay() -> tuple[McpRelay, list[float]]:
    now = [1000.0]
    return McpRelay(clock=lambda: now[0]), now


def test_the_same_call_is_relayed_once() -> None:
    book, _ = relay()
    book.approved(hook_action(), APPROVAL)
    assert book.take(gateway_action()) is APPROVAL
    assert book.take(gateway_action()) is None


def test_other_calls_and_late_ones_are_not() -> None:
    book, now = relay()
    book.approved(hook_action(), APPROVAL)
    assert book.take(gateway_action(path="/b")) is None  # other arguments
    assert book.take(gateway_action(tool="write")) is None  # another tool
    assert book.take(gateway_action(server="other")) is None  # another server
    now[0] += RELAY_WINDOW_S + 1
    assert book.take(gateway_action()) is None  # too late


def test_only_the_hooks_approval_is_held_and_only_the_gateway_takes_it() -> None:
    book, _ = relay()
    book.approved(gateway_action(), APPROVAL)  # a gateway's own approval is not relayed
    assert book.take(gateway_action()) is None
    book.approved(hook_action(), APPROVAL)
    assert book.take(hook_action()) is None  # a second hook call asks again
    shell = build_action(kind="process.exec", tool="Bash", tool_input={"command": "ls"},
                         agent="claude-code", session_id="s", cwd="/p")
    book.approved(shell, APPROVAL)
    assert book.take(gateway_action()) is APPROVAL  # the hook's MCP approval is still held


def test_an_agent_that_names_mcp_tools_its_own_way_is_relayed_too() -> None:
    """Gemini CLI calls the tool `mcp_fs_read`; the gateway's action is `mcp__fs__read`."""
    gemini = Action(kind="mcp.call", tool="mcp_fs_read", input={"path": "/a"}, agent="gemini",
                    session_id="g", cwd="/p", mcp_server="fs", mcp_tool="read")
    book, _ = relay()
    book.approved(gemini, APPROVAL)
    assert book.take(gateway_action()) is APPROVAL


class AskEngine:
    """Every action needs a person."""

    policy_hash = "sha256:ask"

    def evaluate(self, action: Action) -> Decision:
        return Decision("REQUIRE_APPROVAL", "a person decides", ("ask",), action.fingerprint,
                        self.policy_hash)


async def test_an_approval_is_relayed_only_once_its_record_is_on_disk(
        approvald_home: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decisions, "AUDIT_WAIT_S", 0.2)
    sink = GatedSink()
    writer = AuditWriter(sink)
    ctx = make_context(get_paths(), audit=writer, engine_loader=AskEngine)
    try:
        # The audit log does not answer in time.
        answer = await approved_in_process(ctx, decisions.decide(ctx, hook_action()))
        assert answer["decision"] == DENY and answer["rules"] == [decisions.AUDIT_RULE]
        assert ctx.mcp_relay.take(gateway_action()) is None
        sink.gate.set()
        answer = await approved_in_process(ctx, decisions.decide(ctx, hook_action()))
        assert answer["status"] == APPROVED and answer["decision"] != DENY
        assert ctx.mcp_relay.take(gateway_action()) is not None
    finally:
        sink.gate.set()
        writer.close()
        ctx.database.close()
