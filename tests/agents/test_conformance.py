"""One conformance suite for every agent: the same scenarios, each in the agent's own payloads
and answer format, with `approvald hook AGENT` as a real process and a real daemon.

Each answer is read the way that agent reads it (`approvald.demo.agents`): an answer the agent
would take for a failed hook is an `error`, never a pass.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.agents import get_agent
from tests.support.agents import ALL_AGENTS, AgentHook
from tests.support.daemon import RunningDaemon, cli_argv, env_for

pytestmark = pytest.mark.e2e

CWD = "/tmp/conformance-project"
PUSH = "git push origin main"
GARBAGE = [b"{this is not json", b"", b"[1, 2, 3]", b'"a string"', b'{"unexpected": true}',
           b"\xff\xfe{"]


@pytest.fixture(scope="module")
def running() -> Iterator[RunningDaemon]:
    """One daemon for the module (each test uses sessions of its own)."""
    home = Path(tempfile.mkdtemp(prefix="ad-conf-", dir="/tmp"))
    daemon = RunningDaemon(cli_argv(), home).start()
    yield daemon
    daemon.ensure_stopped()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(params=ALL_AGENTS)
def hook(request: pytest.FixtureRequest, running: RunningDaemon) -> AgentHook:
    return AgentHook(request.param, running.exe, running.env)


def session() -> str:
    return f"conf-{uuid.uuid4().hex[:12]}"


def pending_for(daemon: RunningDaemon, sid: str) -> dict:
    """The pending approval of session `sid` (there is exactly one), as `approvals list`."""
    for _ in range(300):
        listed = daemon.cli("approvals", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        mine = [a for a in json.loads(listed.stdout) if a["session_id"] == sid]
        if mine:
            assert len(mine) == 1
            return mine[0]
        time.sleep(0.05)
    raise AssertionError(f"no pending approval for {sid}: {daemon.log()}")


def test_allowed(hook: AgentHook) -> None:
    answer = hook.run(hook.sim.shell("ls -la", CWD, session()))
    assert answer.permission == "allow", answer


def test_denied_with_the_reason(hook: AgentHook) -> None:
    answer = hook.run(hook.sim.read(f"{CWD}/.env", CWD, session()))
    assert answer.permission == "deny", answer
    assert "secret" in answer.reason


def test_gated_then_approved(hook: AgentHook, running: RunningDaemon) -> None:
    sid = session()
    proc = hook.start(hook.sim.shell(PUSH, CWD, sid, "push it"))
    item = pending_for(running, sid)
    assert proc.poll() is None  # the hook waits for the person
    assert item["agent"] == hook.agent and item["summary"] == PUSH
    assert item["tool"] == get_agent(hook.agent).action(hook.sim.shell(PUSH, CWD, sid)).tool
    assert item["rules"] == ["git-push"]
    listed = running.cli("approvals", "list").stdout
    assert f"{item['id']}  pending   {item['created_at']}  {hook.agent}  {item['tool']}" in listed
    done = running.cli("approvals", "approve", item["id"])
    assert done.returncode == 0, done.stderr
    answer = hook.finish(proc)
    assert answer.permission == "allow", answer
    decided = running.client().approval(item["id"])
    assert decided["status"] == "approved" and decided["used_at"] is not None


def test_gated_then_denied_with_a_reason_that_reaches_the_agent(
        hook: AgentHook, running: RunningDaemon) -> None:
    sid = session()
    proc = hook.start(hook.sim.shell(PUSH, CWD, sid))
    item = pending_for(running, sid)
    done = running.cli("approvals", "deny", item["id"], "--reason", "run the tests first")
    assert done.returncode == 0, done.stderr
    answer = hook.finish(proc)
    assert answer.permission == "deny", answer
    assert "run the tests first" in answer.reason


@pytest.mark.parametrize("stdin", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_input_is_a_deny_the_agent_honours(hook: AgentHook, stdin: bytes) -> None:
    answer = hook.run(stdin)
    assert answer.permission == "deny", answer
    assert answer.reason.startswith("approvald")


def test_an_unknown_tool_shape_is_a_deny(hook: AgentHook) -> None:
    text = json.dumps(hook.sim.shell("__CMD__", CWD, session()))
    # The command is a number, wherever the agent puts it (Copilot: inside a JSON string).
    broken = text.replace('\\"__CMD__\\"', "42").replace('"__CMD__"', "42")
    assert "__CMD__" not in broken
    answer = hook.run(broken.encode())
    assert answer.permission == "deny", answer


@pytest.fixture(params=["ask", "deny"])
def no_daemon(request: pytest.FixtureRequest, approvald_home: Path) -> tuple[str, dict]:
    (approvald_home / "config.toml").write_text(f'no_daemon = "{request.param}"\n')
    return request.param, env_for(approvald_home)


@pytest.mark.parametrize("agent", ALL_AGENTS)
def test_no_daemon(agent: str, no_daemon: tuple[str, dict]) -> None:
    setting, env = no_daemon
    hook = AgentHook(agent, cli_argv(), env)
    assert hook.run(hook.sim.shell("ls", CWD, session())).permission == "allow"
    denied = hook.run(hook.sim.read(f"{CWD}/.env", CWD, session()))
    assert denied.permission == "deny" and "secret" in denied.reason
    gated = hook.run(hook.sim.shell(PUSH, CWD, session()))
    can_ask = get_agent(agent).native_ask and setting == "ask"
    assert gated.permission == ("ask" if can_ask else "deny"), gated
    assert gated.reason


@pytest.mark.parametrize("agent", ALL_AGENTS)
def test_no_decision_in_time_is_a_deny(agent: str, approvald_home: Path) -> None:
    daemon = RunningDaemon(cli_argv(), approvald_home, APPROVALD_APPROVAL_TIMEOUT="1").start()
    try:
        hook = AgentHook(agent, daemon.exe, daemon.env)
        answer = hook.run(hook.sim.shell(PUSH, CWD, session()))
        assert answer.permission == "deny", answer
        assert "no decision" in answer.reason
    finally:
        daemon.ensure_stopped()
