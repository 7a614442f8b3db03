"""`approvald mcp wrap` end to end: the SDK's stdio client, the gateway, the SDK test upstream
and a real daemon. Allow, deny, approve, deny with the person's reason, redaction, both
protocol eras, streamable HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import mcp
import pytest
from mcp import StdioServerParameters

from tests.support.daemon import RunningDaemon
from tests.support.gateway import (
    gateway_session,
    http_upstream,
    text_of,
    upstream_command,
    wrap_args,
)

pytestmark = pytest.mark.e2e


def audit(daemon: RunningDaemon) -> list[dict[str, Any]]:
    out = daemon.cli("audit", "tail", "--json", "-n", "200")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


async def test_allowed_calls_pass_and_are_decided_as_mcp_calls(
        approvald_exe: list[str], gw_daemon: RunningDaemon) -> None:
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test")) as session:
        tools = {t.name for t in (await session.list_tools()).tools}
        assert {"weather", "get_token", "run_command", "slow"} <= tools
        result = await session.call_tool("weather", {"city": "Oslo"})
        assert not result.is_error and text_of(result) == "sunny in Oslo"
        assert result.structured_content == {"result": "sunny in Oslo"}
    decisions = [r for r in audit(gw_daemon) if r["event"] == "decision"]
    assert [(r["tool"], r["kind"], r["decision"]) for r in decisions] == [
        ("mcp__test__weather", "mcp.call", "ALLOW")]
    assert decisions[0]["summary"] == "test.weather"


async def test_denied_calls_answer_an_error_naming_rule_and_reason(
        approvald_exe: list[str], gw_daemon: RunningDaemon) -> None:
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test")) as session:
        result = await session.call_tool("run_command", {"command": "ls"})
    assert result.is_error
    assert "test-mcp-shell" in text_of(result)
    assert "Shell-like MCP tools are not for these tests." in text_of(result)


async def _call_while_a_person_decides(approvald_exe: list[str], daemon: RunningDaemon,
                                       *decision: str, think_s: float = 0
                                       ) -> tuple[Any, list[dict[str, Any]],
                                                  list[tuple[float, str | None]]]:
    """Call `slow`, wait for its approval in `approvals list --json`, decide it with the CLI
    after `think_s` seconds."""
    progress: list[tuple[float, str | None]] = []
    outcome: dict[str, Any] = {}

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async with gateway_session(approvald_exe, daemon.env, wrap_args("test")) as session, \
            anyio.create_task_group() as tasks:
        async def call() -> None:
            outcome["result"] = await session.call_tool("slow", {"steps": 2},
                                                        progress_callback=on_progress)
        tasks.start_soon(call)
        listed = await anyio.to_thread.run_sync(
            lambda: daemon.cli("approvals", "list", "--json"))
        while not json.loads(listed.stdout or "[]"):
            await anyio.sleep(0.05)
            listed = await anyio.to_thread.run_sync(
                lambda: daemon.cli("approvals", "list", "--json"))
        pending = json.loads(listed.stdout)
        await anyio.sleep(think_s)
        decided = await anyio.to_thread.run_sync(
            lambda: daemon.cli("approvals", *decision[:1], pending[0]["id"], *decision[1:]))
        assert decided.returncode == 0, decided.stderr
    return outcome["result"], pending, progress


async def test_approved_calls_go_through_after_the_person_approves(
        approvald_exe: list[str], gw_daemon: RunningDaemon) -> None:
    # The person takes longer than the gateway's keep-alive interval (5 s).
    result, pending, progress = await _call_while_a_person_decides(
        approvald_exe, gw_daemon, "approve", think_s=6)
    assert [(p["tool"], p["kind"], p["rules"]) for p in pending] == [
        ("mcp__test__slow", "mcp.call", ["test-mcp-slow"])]
    assert not result.is_error and text_of(result) == "done"
    values = [value for value, _ in progress]
    assert values == sorted(set(values))  # rising, never restarting
    messages = [message or "" for _, message in progress]
    assert "waiting for a person's decision" in messages[0]
    assert messages[-2:] == ["step 1", "step 2"]  # the upstream's own, after the keep-alive


async def test_a_persons_denial_reaches_the_agent_with_their_reason(
        approvald_exe: list[str], gw_daemon: RunningDaemon) -> None:
    result, _, _ = await _call_while_a_person_decides(
        approvald_exe, gw_daemon, "deny", "--reason", "not on a Friday")
    assert result.is_error
    assert "not on a Friday" in text_of(result) and "denied" in text_of(result)


async def test_secret_looking_values_are_redacted_in_content_and_structured_content(
        approvald_exe: list[str], gw_daemon: RunningDaemon) -> None:
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test")) as session:
        result = await session.call_tool("get_token", {})
    assert not result.is_error
    assert "ghp_" not in text_of(result) and "[REDACTED:" in text_of(result)
    assert "ghp_" not in json.dumps(result.structured_content)
    assert "[REDACTED:" in json.dumps(result.structured_content)


async def test_a_2026_era_client_is_served_too(approvald_exe: list[str],
                                               gw_daemon: RunningDaemon) -> None:
    exe = approvald_exe
    params = StdioServerParameters(command=exe[0], args=[*exe[1:], *wrap_args("test")],
                                   env=gw_daemon.env)
    async with mcp.Client(params) as client:
        tools = await client.list_tools(cache_mode="bypass")
        assert "weather" in {t.name for t in tools.tools}
        result = await client.call_tool("weather", {"city": "Rome"})
        assert not result.is_error and text_of(result) == "sunny in Rome"
        denied = await client.call_tool("run_command", {"command": "ls"})
        assert denied.is_error and "test-mcp-shell" in text_of(denied)


async def test_a_streamable_http_upstream_gets_the_headers(approvald_exe: list[str],
                                                           gw_daemon: RunningDaemon) -> None:
    with http_upstream(gw_daemon.env) as url:
        args = ["mcp", "wrap", "--name", "web", "--url", url, "--header", "X-Test: hello"]
        async with gateway_session(approvald_exe, gw_daemon.env, args) as session:
            result = await session.call_tool("header", {"name": "x-test"})
            assert not result.is_error and text_of(result) == "hello"
            denied = await session.call_tool("run_command", {"command": "ls"})
            assert denied.is_error and "test-mcp-shell" in text_of(denied)


async def test_upstream_sampling_requests_are_refused(approvald_exe: list[str],
                                                      gw_daemon: RunningDaemon) -> None:
    """The gateway declares no sampling upstream, so the SDK answers the upstream's request
    with an error; the upstream's tool fails with it, and the agent gets that failure."""
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test")) as session:
        with pytest.raises(mcp.MCPError, match="Sampling not supported"):
            await session.call_tool("ask_llm", {"prompt": "hi"})
        # The connection stays usable.
        assert text_of(await session.call_tool("weather", {"city": "Oslo"})) == "sunny in Oslo"


async def test_bad_command_lines_are_one_clear_line(approvald_exe: list[str],
                                                    env: dict[str, str], tmp_path: Path) -> None:
    import subprocess

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*approvald_exe, "mcp", "wrap", *args], env=env,
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    for args, words in ((["--name", "x"], "either --url"),
                        (["--name", "x", "--url", "ftp://h", ], "http://"),
                        (["--name", "bad name", "--", "true"], "--name"),
                        (["--name", "x", "--header", "H: v", "--", "true"], "--header goes"),
                        (["--name", "x", "--env", "novalue", "--", "true"], "VAR=VALUE")):
        out = run(*args)
        assert out.returncode == 2 and words in out.stderr, (args, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1
    missing = run("--name", "x", "--", str(tmp_path / "no-such-server"))
    assert missing.returncode == 1
    assert "cannot start the upstream" in missing.stderr and "Traceback" not in missing.stderr


def test_the_upstream_command_runs_the_test_server() -> None:
    assert upstream_command()[1].endswith("mcp_upstream.py")


async def test_arguments_are_judged_like_native_tools_whatever_the_tool_is_called(
        approvald_exe: list[str], gw_daemon: RunningDaemon, tmp_path: Path) -> None:
    """A path argument goes through the file rules, a command through the shell analysis, a
    URL through the network rules (issue 12's judgement of mcp.call arguments)."""
    (tmp_path / ".env").write_text("API_KEY=not-for-the-agent-0123456789\n")
    (tmp_path / "notes.txt").write_text("plain notes\n")
    async with gateway_session(approvald_exe, gw_daemon.env, wrap_args("test"),
                               cwd=tmp_path) as session:
        notes = await session.call_tool("read_text", {"path": "notes.txt"})
        assert text_of(notes) == "plain notes\n"
        env = await session.call_tool("read_text", {"path": ".env"})
        assert env.is_error and "rule secrets-read-tool" in text_of(env)
        listing = await session.call_tool("shell", {"cmd": "ls -la"})
        assert text_of(listing) == "ran: ls -la"
        secret = await session.call_tool("shell", {"cmd": "sh -c 'cat .env'"})
        assert secret.is_error and "rule secrets-read-command" in text_of(secret)
        metadata = await session.call_tool("fetch", {"url": "http://169.254.169.254/latest/"})
        assert metadata.is_error and "rule net-cloud-metadata" in text_of(metadata)
        outcome = {}
        async with anyio.create_task_group() as tasks:
            async def push() -> None:
                outcome["result"] = await session.call_tool(
                    "shell", {"cmd": "git push origin main"})
            tasks.start_soon(push)
            [pending] = await anyio.to_thread.run_sync(gw_daemon.wait_pending)
            assert pending["tool"] == "mcp__test__shell" and "git-push" in pending["rules"]
            gw_daemon.client().deny(pending["id"], "not from an MCP server")
        assert outcome["result"].is_error
