"""A hook payload that is not text (a lone surrogate escape, a surrogate encoded as bytes,
bytes that are not UTF-8), for every agent, with a daemon and without one: a deny in the
agent's own form naming what is wrong, in one line, and nothing crashes on the way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import payloads
from tests.support.agents import ALL_AGENTS, AgentHook
from tests.support.badtext import KINDS, NAMED, bad_json
from tests.support.daemon import (
    RunningDaemon,
    clean_daemon,
    cli_argv,
    daemon_or_local,
    env_for,
    run_raw,
)

pytestmark = pytest.mark.e2e

CWD = "/tmp/bad-text-project"


@pytest.fixture(scope="module")
def running() -> Iterator[RunningDaemon]:
    yield from clean_daemon("ad-bt-")


@pytest.fixture(params=["daemon", "no-daemon"])
def env(request: pytest.FixtureRequest, running: RunningDaemon,
        approvald_home: Path) -> dict[str, str]:
    return daemon_or_local(request.param, running, approvald_home)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("agent", ALL_AGENTS)
def test_a_payload_that_is_not_text_is_a_deny_that_says_why(
        agent: str, kind: str, env: dict[str, str]) -> None:
    hook = AgentHook(agent, cli_argv(), env)
    answer = hook.run(bad_json(lambda text: hook.sim.shell(text, CWD, "bt-session"), kind))
    assert answer.permission == "deny", answer
    assert answer.reason.startswith("approvald") and "\n" not in answer.reason, answer
    assert NAMED[kind] in answer.reason, answer
    assert "Traceback" not in answer.stderr, answer


# Claude Code's hook events besides the decision, each with its fail-closed answer.
EVENTS = {
    "PostToolUse": lambda text: payloads.claude_post_tool_use(
        "Bash", {"command": "cat notes"}, payloads.bash_response(text)),
    "PostToolUseFailure": lambda text: payloads.claude_post_tool_use_failure(
        "Bash", {"command": "cat notes"}, text),
    "ConfigChange": lambda text: payloads.claude_config_change("user_settings", f"/tmp/{text}"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("event", list(EVENTS))
def test_an_event_payload_that_is_not_text_fails_closed(event: str, kind: str,
                                                        env: dict[str, str]) -> None:
    code, out, err = run_raw(cli_argv(), env, bad_json(EVENTS[event], kind),
                             event=event)
    answer = json.loads(out)
    if event == "ConfigChange":  # blocked: not applied to the running session
        assert code == 2 and answer["decision"] == "block", (out, err)
        reason = answer["reason"]
    else:  # the turn ends rather than unchecked output reaching the model
        assert code == 0 and answer["continue"] is False, (out, err)
        reason = answer["stopReason"]
    assert reason.startswith("approvald") and NAMED[kind] in reason, reason
    assert "Traceback" not in err


GATE_MCP = ("rules:\n  - id: gate-mcp\n    decision: REQUIRE_APPROVAL\n"
            "    reason: MCP calls need a person here.\n    match: {kind: mcp.call}\n")


@pytest.mark.parametrize("with_daemon", [True, False], ids=["daemon", "no-daemon"])
def test_a_server_name_that_is_not_text_in_the_agents_config_is_not_the_servers_name(
        approvald_home: Path, tmp_path: Path, with_daemon: bool) -> None:
    """Cursor names an MCP call's server by the project's `.cursor/mcp.json` entry whose
    command the payload gives; an entry named with a lone surrogate escape (valid JSON, a
    hostile repository's to write) is not read, so the server is named by its command and the
    call is gated like any other instead of failing evaluation."""
    (approvald_home / "policies").mkdir()
    (approvald_home / "policies" / "gate.yaml").write_text(GATE_MCP)
    project = tmp_path / "project"
    (project / ".cursor").mkdir(parents=True)
    (project / ".cursor" / "mcp.json").write_text(
        '{"mcpServers": {"evil\\udcff": {"command": "npx", "args": ["-y", "srv"]}}}')
    payload = {"hook_event_name": "beforeMCPExecution", "conversation_id": "bt-mcp",
               "generation_id": "g", "workspace_roots": [str(project)], "cwd": str(project),
               "tool_name": "lookup", "tool_input": "{}", "command": "npx -y srv"}
    env = env_for(approvald_home, HOME=str(tmp_path))
    if not with_daemon:
        answer = AgentHook("cursor", cli_argv(), env).run(payload)
        # Cursor cannot ask: the gated call is denied, saying so (not "the check failed")
        assert answer.permission == "deny" and "MCP calls need a person" in answer.reason, answer
        return
    daemon = RunningDaemon(cli_argv(), approvald_home, HOME=str(tmp_path)).start()
    try:
        hook = AgentHook("cursor", daemon.exe, daemon.env)
        proc = hook.start(payload)
        [pending] = daemon.wait_pending()
        assert pending["summary"] == "npx -y srv.lookup", pending
        assert daemon.cli("approvals", "deny", pending["id"]).returncode == 0
        assert hook.finish(proc).permission == "deny"
        assert "Traceback" not in daemon.log() and "evaluation failed" not in daemon.log()
    finally:
        daemon.ensure_stopped()
