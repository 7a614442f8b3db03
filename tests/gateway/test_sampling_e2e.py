"""Upstream sampling requests: refused (not even offered) by default; with
`sampling = "policy"` each is an action the policy decides, passed to an agent that samples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mcp
import mcp_types as types
import pytest

from tests.support.daemon import RunningDaemon
from tests.support.gateway import gateway_session, text_of, wrap_args, write_config, write_policy

pytestmark = pytest.mark.e2e
NO_SAMPLING = """\
rules:
  - id: no-sampling
    decision: DENY
    reason: Servers do not get to talk to the model here.
    match: {kind: mcp.call, mcp_tool: "sampling/createMessage"}
"""


async def the_model(context: Any, params: types.CreateMessageRequestParams) -> Any:
    """The agent's model, as the test client plays it."""
    return types.CreateMessageResult(role="assistant", model="test-model",
                                     content=types.TextContent(type="text", text="forty-two"))


async def test_sampling_decided_by_policy_reaches_an_agent_that_samples(
        approvald_exe: list[str], policy_home: Path, gw_daemon: RunningDaemon) -> None:
    write_config(policy_home, '[gateway]\nsampling = "policy"\n')
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test"),
                               sampling_callback=the_model) as session:
        result = await session.call_tool("ask_llm", {"prompt": "the answer?"})
    assert not result.is_error and "forty-two" in text_of(result)
    decisions = gw_daemon.client().call("GET", "/v1/activity?limit=50")["events"]
    assert "mcp__test__sampling/createMessage" in {e["tool"] for e in decisions}


async def test_sampling_the_policy_denies_is_refused_and_reported(
        approvald_exe: list[str], policy_home: Path) -> None:
    write_config(policy_home, '[gateway]\nsampling = "policy"\n')
    write_policy(policy_home, NO_SAMPLING, "sampling.yaml")
    daemon = RunningDaemon(approvald_exe, policy_home).start()
    try:
        async with gateway_session(approvald_exe, daemon.env, wrap_args("test"),
                                   sampling_callback=the_model) as session:
            with pytest.raises(mcp.MCPError, match="no-sampling"):
                await session.call_tool("ask_llm", {"prompt": "the answer?"})
    finally:
        daemon.ensure_stopped()
    records = [json.loads(line) for line in
               (policy_home / "audit" / "audit.jsonl").read_text().splitlines()]
    [refused] = [r for r in records if r["event"] == "mcp.refused"]
    assert refused["method"] == "sampling/createMessage" and "no-sampling" in refused["reason"]


async def test_an_agent_that_cannot_sample_gets_nothing_asked(
        approvald_exe: list[str], policy_home: Path, gw_daemon: RunningDaemon) -> None:
    write_config(policy_home, '[gateway]\nsampling = "policy"\n')
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test")) as session:
        with pytest.raises(mcp.MCPError, match="cannot answer sampling"):
            await session.call_tool("ask_llm", {"prompt": "the answer?"})
