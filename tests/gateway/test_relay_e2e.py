"""Claude Code's hook and the gateway on one MCP call: the person approves it once, at the hook,
and the gateway's check of the same call uses that approval; another call asks again."""

from __future__ import annotations

import anyio
import pytest

from tests.support.daemon import RunningDaemon, finish_hook, hook_payload, start_hook
from tests.support.gateway import gateway_session, text_of, wrap_args

pytestmark = pytest.mark.e2e


async def test_one_approval_serves_the_hook_and_the_gateway(approvald_exe: list[str],
                                                            gw_daemon: RunningDaemon) -> None:
    client = gw_daemon.client()
    hook = start_hook(approvald_exe, gw_daemon.env,
                      hook_payload(tool="mcp__test__slow", tool_input={"steps": 1}))
    [pending] = await anyio.to_thread.run_sync(gw_daemon.wait_pending)
    assert pending["tool"] == "mcp__test__slow" and pending["agent"] == "claude-code"
    client.approve(pending["id"])
    code, answer = await anyio.to_thread.run_sync(lambda: finish_hook(hook))
    assert code == 0 and answer is not None and answer["permissionDecision"] == "allow"

    # Claude Code now calls the wrapped server: the gateway's check needs nobody.
    args = wrap_args("test", None, "--agent", "claude-code")
    async with gateway_session(approvald_exe, gw_daemon.env, args) as session:
        result = await session.call_tool("slow", {"steps": 1})
        assert not result.is_error and text_of(result) == "done"
        assert client.approvals("pending") == []
        outcome = {}
        async with anyio.create_task_group() as tasks:
            async def other_call() -> None:  # other arguments: a person is asked again
                outcome["result"] = await session.call_tool("slow", {"steps": 2})
            tasks.start_soon(other_call)
            [again] = await anyio.to_thread.run_sync(gw_daemon.wait_pending)
            client.deny(again["id"], "once was enough")
        assert outcome["result"].is_error
    relayed = [r for r in client.call("GET", "/v1/activity?limit=100")["events"]
               if r.get("relayed")]
    assert [(r["tool"], r["approval_id"]) for r in relayed] == [("mcp__test__slow",
                                                                 pending["id"])]
