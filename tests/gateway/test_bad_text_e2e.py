"""MCP messages that are not text (a lone surrogate escape, a surrogate encoded as bytes,
bytes that are not UTF-8), both ways through the gateway: each request gets its answer naming
what is wrong, at once, and every other message goes on as before.

The agent's side is driven with raw lines on the gateway's stdin (the SDK's client would not
send such text); the upstream's with `tests/support/mcp_raw_upstream.py`."""

from __future__ import annotations

import json
import select
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import MCPError

from tests.support.badtext import ESCAPE, KINDS, NAMED, bad_json
from tests.support.daemon import RunningDaemon, clean_daemon, daemon_or_local
from tests.support.gateway import (
    RAW_UPSTREAM,
    gateway_log,
    gateway_session,
    http_upstream,
    text_of,
    upstream_command,
    wrap_args,
)

pytestmark = pytest.mark.e2e

ANSWER_TIMEOUT_S = 15.0


class RawAgent:
    """An agent speaking to a gateway process in raw lines."""

    def __init__(self, exe: list[str], args: list[str], env: dict[str, str]):
        self.proc = subprocess.Popen([*exe, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.send(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw-agent", "version": "0"}}}).encode())
        assert self.receive()["id"] == 0
        self.send(b'{"jsonrpc": "2.0", "method": "notifications/initialized"}')

    def send(self, line: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], ANSWER_TIMEOUT_S)
        assert ready, f"no answer within {ANSWER_TIMEOUT_S} s"
        line = self.proc.stdout.readline()
        assert line, "the gateway closed its output"
        message: dict[str, Any] = json.loads(line)
        return message

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(30)


@pytest.fixture(scope="module")
def running() -> Iterator[RunningDaemon]:
    """One daemon for the module (its home is the gateways' too)."""
    yield from clean_daemon("ad-gbt-")


@pytest.fixture(params=["daemon", "no-daemon"])
def gateway_env(request: pytest.FixtureRequest, running: RunningDaemon,
                approvald_home: Path) -> dict[str, str]:
    return daemon_or_local(request.param, running, approvald_home)


def _call(request_id: int, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
            "params": {"name": name, "arguments": arguments}}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("served", ["wrap", "serve"])
def test_an_agent_message_that_is_not_text_is_answered_and_nothing_else_lost(
        approvald_exe: list[str], gateway_env: dict[str, str], kind: str, served: str) -> None:
    args = wrap_args("test") if served == "wrap" else ["mcp", "serve"]
    tool, argument = ("weather", "city") if served == "wrap" else ("run_command", "command")
    agent = RawAgent(approvald_exe, args, gateway_env)
    try:
        agent.send(bad_json(lambda text: _call(7, tool, {argument: text}), kind))
        refused = agent.receive()
        assert refused["id"] == 7 and refused["result"]["isError"] is True, refused
        [block] = refused["result"]["content"]
        assert block["text"].startswith("approvald") and NAMED[kind] in block["text"], block
        # A request other than a tool call gets a JSON-RPC error; a notification, nothing.
        agent.send(bad_json(lambda text: {"jsonrpc": "2.0", "id": "p", "method": "prompts/get",
                                          "params": {"name": text}}, kind))
        error = agent.receive()
        assert error["id"] == "p" and NAMED[kind] in error["error"]["message"], error
        agent.send(bad_json(lambda text: {"jsonrpc": "2.0", "method": "notifications/progress",
                                          "params": {"progressToken": text, "progress": 1}},
                            kind))
        agent.send(json.dumps({"jsonrpc": "2.0", "id": 8, "method": "tools/list"}).encode())
        listed = agent.receive()
        assert listed["id"] == 8 and tool in {t["name"] for t in listed["result"]["tools"]}
    finally:
        assert agent.close() == 0


@pytest.mark.parametrize("answer", ["lone-surrogate", "bad-bytes"])
async def test_a_stdio_upstream_answer_that_is_not_text_fails_that_call_alone(
        approvald_exe: list[str], gateway_env: dict[str, str], answer: str) -> None:
    args = wrap_args("raw", upstream_command(RAW_UPSTREAM))
    async with gateway_session(approvald_exe, gateway_env, args,
                               read_timeout=ANSWER_TIMEOUT_S) as session:
        with pytest.raises(MCPError) as failed:
            await session.call_tool("untyped", {"answer": answer})
        named = NAMED[ESCAPE] if answer == "lone-surrogate" else "UTF-8"
        assert "upstream MCP server's answer" in str(failed.value)
        assert named in str(failed.value)
        again = await session.call_tool("untyped", {})
        assert text_of(again) == "untyped answered"
    home = Path(gateway_env["APPROVALD_HOME"])
    assert "refused a message from the upstream" in gateway_log(home, "raw")


@pytest.mark.parametrize("answer, named", [("lone-surrogate", "surrogate"),
                                           ("bad-bytes", "invalid unicode")])
async def test_an_http_upstream_answer_that_is_not_text_fails_that_call_alone_in_one_line(
        approvald_exe: list[str], gateway_env: dict[str, str], answer: str,
        named: str) -> None:
    """The SDK's HTTP transport answers such a body with a parse error itself; the gateway
    passes it on one line."""
    with http_upstream(gateway_env, RAW_UPSTREAM) as url:
        async with gateway_session(approvald_exe, gateway_env,
                                   ["mcp", "wrap", "--name", "raw", "--url", url],
                                   read_timeout=ANSWER_TIMEOUT_S) as session:
            with pytest.raises(MCPError) as failed:
                await session.call_tool("untyped", {"answer": answer})
            assert "\n" not in str(failed.value) and named in str(failed.value)
            again = await session.call_tool("untyped", {})
            assert text_of(again) == "untyped answered"
