"""An MCP call's arguments are named alike whether the agent's hook or the MCP gateway asks:
the hook's action holds them as its input, the gateway's as `{server, tool, arguments}`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from approvald.agents import get_agent
from approvald.model.actions import build_action
from approvald.policy import REQUIRE_APPROVAL, load_engine
from approvald.policy.mcp import arguments
from tests.support.payloads import claude_code_payload

RULE = """\
rules:
  - id: merge-to-main
    decision: REQUIRE_APPROVAL
    reason: Merging into main needs a person.
    match: {kind: mcp.call, mcp_server: github, mcp_args: {branch: main}}
"""


def hook_action(arguments: dict[str, Any]) -> Any:
    return get_agent("claude-code").action(claude_code_payload(
        tool="mcp__github__merge", tool_input=arguments, cwd="/work"))


def gateway_action(arguments: dict[str, Any], **extra: Any) -> Any:
    return build_action(kind="mcp.call", tool="mcp__github__merge",
                        tool_input={"server": "github", "tool": "merge",
                                    "arguments": arguments, **extra},
                        agent="claude-code", session_id="gw", cwd="/work")


def test_arguments_are_the_same_for_both_shapes() -> None:
    args = {"branch": "main", "pr": 7}
    assert arguments(hook_action(args)) == args
    assert arguments(gateway_action(args)) == args
    assert arguments(gateway_action(args, result={"sha256": "x"})) == args


def test_an_mcp_args_rule_holds_for_the_hook_and_the_gateway(approvald_home: Path) -> None:
    policies = approvald_home / "policies"
    policies.mkdir(parents=True)
    (policies / "github.yaml").write_text(RULE)
    engine = load_engine()
    for action in (hook_action({"branch": "main"}), gateway_action({"branch": "main"})):
        decision = engine.evaluate(action)
        assert decision.decision == REQUIRE_APPROVAL and decision.rules == ("merge-to-main",)
    assert engine.evaluate(gateway_action({"branch": "feature"})).rules != ("merge-to-main",)
