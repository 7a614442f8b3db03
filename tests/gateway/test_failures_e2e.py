"""The gateway when things go wrong: no daemon, an upstream that crashes, hangs or sends
malformed messages, a huge result. Each ends in a clear answer to the agent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
import mcp
import pytest

from tests.support.daemon import RunningDaemon
from tests.support.gateway import (
    RAW_UPSTREAM,
    gateway_log,
    gateway_session,
    pid_alive,
    text_of,
    upstream_command,
    wrap_args,
    write_config,
)

pytestmark = pytest.mark.e2e


async def test_with_no_daemon_the_local_policy_decides_and_gated_calls_are_refused(
        approvald_exe: list[str], env: dict[str, str], policy_home: Path) -> None:
    async with gateway_session(approvald_exe, env, wrap_args("test")) as session:
        allowed = await session.call_tool("weather", {"city": "Oslo"})
        assert not allowed.is_error and text_of(allowed) == "sunny in Oslo"
        denied = await session.call_tool("run_command", {"command": "ls"})
        assert denied.is_error and "test-mcp-shell" in text_of(denied)
        gated = await session.call_tool("slow", {"steps": 1})
        assert gated.is_error
        assert "needs a person's approval" in text_of(gated)
        assert "no approvald daemon runs" in text_of(gated)
    records = [json.loads(line) for line in
               (policy_home / "audit" / "audit.jsonl").read_text().splitlines()]
    local = [(r["tool"], r["decision"], r["mode"]) for r in records if r["event"] == "decision"]
    assert local == [("mcp__test__weather", "ALLOW", "local"),
                     ("mcp__test__run_command", "DENY", "local"),
                     ("mcp__test__slow", "REQUIRE_APPROVAL", "local")]


async def test_a_daemon_that_starts_later_is_used(approvald_exe: list[str], env: dict[str, str],
                                                  policy_home: Path) -> None:
    async with gateway_session(approvald_exe, env, wrap_args("test")) as session:
        assert (await session.call_tool("slow", {"steps": 1})).is_error
        daemon = RunningDaemon(approvald_exe, policy_home).start()
        try:
            async with anyio.create_task_group() as tasks:
                outcome = {}

                async def call() -> None:
                    outcome["result"] = await session.call_tool("slow", {"steps": 1})
                tasks.start_soon(call)
                [pending] = await anyio.to_thread.run_sync(daemon.wait_pending)
                await anyio.to_thread.run_sync(lambda: daemon.client().approve(pending["id"]))
            assert text_of(outcome["result"]) == "done"
        finally:
            daemon.ensure_stopped()


async def test_an_upstream_that_crashes_gets_a_clear_error(
        approvald_exe: list[str], gw_daemon: RunningDaemon) -> None:
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test")) as session:
        assert text_of(await session.call_tool("weather", {"city": "Oslo"})) == "sunny in Oslo"
        crashed = await session.call_tool("crash", {})
        assert crashed.is_error and "is not running" in text_of(crashed)
        again = await session.call_tool("weather", {"city": "Oslo"})
        assert again.is_error and "is not running" in text_of(again)


async def test_an_upstream_that_hangs_is_cut_off_and_cancelled(
        approvald_exe: list[str], policy_home: Path, gw_daemon: RunningDaemon) -> None:
    write_config(policy_home, "[gateway]\ncall_timeout_s = 1\n")
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test")) as session:
        hung = await session.call_tool("hang", {})
        assert hung.is_error and "did not answer within 1 s" in text_of(hung)
        # The upstream still serves the next call.
        assert text_of(await session.call_tool("weather", {"city": "Oslo"})) == "sunny in Oslo"


async def test_an_agent_that_gives_up_on_a_hung_call_keeps_its_connection(
        approvald_exe: list[str], gw_daemon: RunningDaemon) -> None:
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test")) as session:
        with pytest.raises(mcp.MCPError):
            await session.call_tool("hang", {}, read_timeout_seconds=1)
        assert text_of(await session.call_tool("weather", {"city": "Oslo"})) == "sunny in Oslo"


async def test_malformed_upstream_messages_are_survived(
        approvald_exe: list[str], gw_daemon: RunningDaemon) -> None:
    args = wrap_args("raw", upstream_command(RAW_UPSTREAM))
    async with gateway_session(approvald_exe, gw_daemon.env, args) as session:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        # A schema without a type is repaired, a tool without a schema gets one, a tool whose
        # name is not a string is dropped: one bad tool does not cost the others.
        assert set(tools) == {"untyped", "schemaless", "fine"}
        assert tools["untyped"].input_schema == {"type": "object"}
        assert text_of(await session.call_tool("untyped", {})) == "untyped answered"
        malformed = await session.call_tool("fine", {})
        assert malformed.is_error and "malformed result" in text_of(malformed)
    assert "unreadable" in gateway_log(gw_daemon.home, "raw")  # the non-JSON line, logged


async def test_a_huge_result_is_refused_with_a_clear_error(
        approvald_exe: list[str], policy_home: Path, gw_daemon: RunningDaemon) -> None:
    write_config(policy_home, "[gateway]\nmax_result_kb = 64\n")
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test")) as session:
        small = await session.call_tool("huge", {"size": 1000})
        assert not small.is_error and text_of(small) == "x" * 1000
        big = await session.call_tool("huge", {"size": 5_000_000})
        assert big.is_error and "too large" in text_of(big) and "65,536" in text_of(big)


async def test_the_upstream_stops_with_the_gateway(approvald_exe: list[str],
                                                   gw_daemon: RunningDaemon,
                                                   tmp_path: Path) -> None:
    pid_file = tmp_path / "upstream.pid"
    command = ["sh", "-c", f'echo $$ > {pid_file}; exec "$0" "$@"', *upstream_command()]
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test", command)) as s:
        assert text_of(await s.call_tool("weather", {"city": "Oslo"})) == "sunny in Oslo"
        upstream_pid = int(pid_file.read_text())
        assert pid_alive(upstream_pid)
    for _ in range(100):
        if not pid_alive(upstream_pid):
            break
        await anyio.sleep(0.1)
    assert not pid_alive(upstream_pid), "the upstream outlived its gateway"
    assert os.getpid() != upstream_pid
