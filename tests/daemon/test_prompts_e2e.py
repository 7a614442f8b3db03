"""Issue 15: when Claude Code would show its own permission dialog (PermissionRequest), the
request appears in approvald too and the person answers in either place. Real daemon, real hook
processes run by a stand-in agent, payloads as Claude Code sends them (`auto` mode too)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.agent import Job, StandInAgent
from tests.support.daemon import RunningDaemon, env_for, hook_payload, run_raw
from tests.support.payloads import (
    bash_response,
    claude_permission_request,
    claude_post_tool_use,
)

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="agent processes are read from /proc here")]

SESSION = "0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f"
COMMAND = "rm -rf node_modules"
SUGGESTION = {"type": "addRules", "rules": [{"toolName": "Bash", "ruleContent": COMMAND}],
              "behavior": "allow", "destination": "localSettings"}


def _line(daemon: RunningDaemon, *args: str) -> str:
    return " ".join(shlex.quote(p) for p in [*daemon.exe, *args])


def _ask(agent: StandInAgent, daemon: RunningDaemon, command: str = COMMAND,
         mode: str = "default") -> Job:
    payload = claude_permission_request("Bash", {"command": command,
                                                 "description": "clean the build"},
                                        suggestions=[SUGGESTION], session=SESSION,
                                        cwd="/home/dev/shop", mode=mode)
    return agent.start(_line(daemon, "hook", "claude-code", "PermissionRequest"),
                       stdin=json.dumps(payload).encode())


def _decision(job: Job) -> dict[str, Any] | None:
    result = job.wait(60)
    assert result.code == 0, result.stderr
    if not result.stdout.strip():
        return None
    specific = json.loads(result.stdout)["hookSpecificOutput"]
    assert specific["hookEventName"] == "PermissionRequest"
    decision: dict[str, Any] = specific["decision"]
    return decision


def test_approved_in_approvald_for_the_session_in_auto_mode(daemon: RunningDaemon,
                                                            tmp_path: Path) -> None:
    with StandInAgent(daemon.env, tmp_path) as agent:
        job = _ask(agent, daemon, mode="auto")
        [pending] = daemon.wait_pending()
        assert pending["summary"] == COMMAND and pending["tool"] == "Bash"
        assert pending["rules"] == ["agent-permission-prompt"]
        assert "Claude Code asks for permission" in pending["reason"]
        assert "mode auto" in pending["reason"]
        assert daemon.cli("approvals", "approve", pending["id"], "--session").returncode == 0
        assert _decision(job) == {"behavior": "allow", "updatedPermissions": [
            {"type": "addRules", "rules": [{"toolName": "Bash", "ruleContent": COMMAND}],
             "behavior": "allow", "destination": "session"}]}


def test_denied_in_approvald_with_the_persons_words(daemon: RunningDaemon,
                                                    tmp_path: Path) -> None:
    with StandInAgent(daemon.env, tmp_path) as agent:
        job = _ask(agent, daemon)
        [pending] = daemon.wait_pending()
        assert daemon.cli("approvals", "deny", pending["id"], "--reason",
                          "keep the cache").returncode == 0
        decision = _decision(job)
        assert decision is not None and decision["behavior"] == "deny"
        assert "keep the cache" in decision["message"]


def test_answered_in_claude_codes_dialog_it_leaves_approvald(daemon: RunningDaemon,
                                                           tmp_path: Path) -> None:
    with StandInAgent(daemon.env, tmp_path) as agent:
        # Allowed there: the tool runs, and its PostToolUse says so.
        job = _ask(agent, daemon)
        [pending] = daemon.wait_pending()
        ran = claude_post_tool_use("Bash", {"command": COMMAND, "description": "clean the build"},
                                   bash_response(""), session=SESSION, cwd="/home/dev/shop")
        assert agent.start(_line(daemon, "hook", "claude-code", "PostToolUse"),
                           stdin=json.dumps(ran).encode()).wait().code == 0
        assert _decision(job) is None  # no decision: Claude Code's own answer stands
        closed = daemon.client().approval(pending["id"])
        assert closed["status"] == "expired" and closed["decided_by"] == "agent"
        assert daemon.client().approvals() == []

        # Denied there: the session moves on to its next tool call.
        job = _ask(agent, daemon)
        [pending] = daemon.wait_pending()
        nxt = agent.start(_line(daemon, "hook", "claude-code"),
                          stdin=hook_payload("ls", session=SESSION, cwd="/home/dev/shop"))
        assert nxt.wait().code == 0
        assert _decision(job) is None
        assert daemon.client().approval(pending["id"])["decided_by"] == "agent"


def test_a_prompt_approval_grants_nothing_to_approvalds_own_policy(daemon: RunningDaemon,
                                                                  tmp_path: Path) -> None:
    push = "git push origin main"
    with StandInAgent(daemon.env, tmp_path) as agent:
        job = _ask(agent, daemon, command=push)
        [prompt] = daemon.wait_pending()
        assert daemon.cli("approvals", "approve", prompt["id"], "--session").returncode == 0
        assert _decision(job) is not None
        # The same command at approvald's own gate still waits for its own approval.
        gate = agent.start(_line(daemon, "hook", "claude-code"),
                           stdin=hook_payload(push, session=SESSION, cwd="/home/dev/shop"))
        [own] = daemon.wait_pending()
        assert own["id"] != prompt["id"] and own["rules"] != ["agent-permission-prompt"]
        assert daemon.cli("approvals", "deny", own["id"]).returncode == 0
        out = json.loads(gate.wait().stdout)["hookSpecificOutput"]
        assert out["permissionDecision"] == "deny"


def test_no_answer_in_time_and_no_daemon_leave_claude_codes_dialog(
        approvald_exe: list[str], approvald_home: Path, tmp_path: Path) -> None:
    payload = json.dumps(claude_permission_request("Bash", {"command": COMMAND},
                                                   session=SESSION)).encode()
    # No daemon: no decision (never an allow, never a deny of the person's own prompt).
    code, out, err = run_raw(approvald_exe, env_for(approvald_home), payload,
                             event="PermissionRequest")
    assert (code, out.strip()) == (0, ""), err
    daemon = RunningDaemon(approvald_exe, approvald_home, APPROVALD_APPROVAL_TIMEOUT="2").start()
    try:
        code, out, err = run_raw(approvald_exe, daemon.env, payload, event="PermissionRequest",
                                 timeout=60)  # ends with the 2 s approval timeout, not the hook's
        assert (code, out.strip()) == (0, ""), err
        [expired] = daemon.client().approvals("expired")
        assert expired["decided_by"] == "timeout"
    finally:
        daemon.ensure_stopped()


def _decide_now(daemon: RunningDaemon, command: str, session: str) -> dict[str, Any]:
    """approvald's own decision on `command` in the prompt's directory, asking nobody."""
    answer: dict[str, Any] = daemon.client().call("POST", "/v1/decide", {"wait": False, "action": {
        "kind": "process.exec", "tool": "Bash", "agent": "claude-code", "session_id": session,
        "cwd": "/home/dev/shop", "input": {"command": command}}}, operator=False)
    return answer


def test_always_hands_claude_code_its_rule_and_writes_approvalds(daemon: RunningDaemon,
                                                                 tmp_path: Path) -> None:
    """Claude Code asked for a command approvald's policy allows: "always" answers with the
    rule for its local settings, and approvald's policy gets the same narrow ALLOW."""
    with StandInAgent(daemon.env, tmp_path) as agent:
        job = _ask(agent, daemon)
        [pending] = daemon.wait_pending()
        proposal = daemon.client().proposal(pending["id"])
        assert proposal["summary"] == "allow rm -rf node_modules in dev/shop"
        assert proposal["overrides"] == [] and proposal["this_request_matches"]
        assert proposal["agent_rule"]["permissions"] == [SUGGESTION]
        approved = daemon.cli("approvals", "approve", pending["id"][:9], "--always")
        assert approved.returncode == 0, approved.stderr
        out = approved.stdout
        assert "args_exact: [-rf, node_modules]" in out
        assert ("and Claude Code keeps Bash(rm -rf node_modules) in .claude/settings.local.json"
                in out)
        assert out.index(proposal["rule_id"]) < out.index("approved once")
        assert _decision(job) == {"behavior": "allow", "updatedPermissions": [SUGGESTION]}
    rules = (daemon.paths.policies / "approved.yaml").read_text()
    assert proposal["rule_id"] in rules and "cwd: /home/dev/shop" in rules
    # In approvald's own policy it is that command there, and nothing wider.
    assert proposal["rule_id"] in _decide_now(daemon, COMMAND, "another")["rules"]
    assert proposal["rule_id"] not in _decide_now(daemon, "rm -rf node_modules dist",
                                                  "another")["rules"]


def test_always_on_a_prompt_approvald_also_gates_sets_aside_only_its_rule(
        daemon: RunningDaemon, tmp_path: Path) -> None:
    push = "git push origin feature/login"
    with StandInAgent(daemon.env, tmp_path) as agent:
        job = _ask(agent, daemon, command=push)
        [pending] = daemon.wait_pending()
        assert _decide_now(daemon, push, SESSION)["decision"] == "REQUIRE_APPROVAL"
        assert daemon.cli("approvals", "approve", pending["id"], "--always").returncode == 0
        decision = _decision(job)
        assert decision is not None and decision["updatedPermissions"] == [
            {"type": "addRules", "rules": [{"toolName": "Bash", "ruleContent": push}],
             "behavior": "allow", "destination": "localSettings"}]
    rules = (daemon.paths.policies / "approved.yaml").read_text()
    assert "overrides: [git-push]" in rules
    assert _decide_now(daemon, "git push origin feature/signup", "another")["decision"] == "ALLOW"
    assert _decide_now(daemon, "git push origin main", "another")["decision"] == (
        "REQUIRE_APPROVAL")


@pytest.mark.parametrize(("command", "why"), [
    ("approvald approvals approve ap_1", "only a request that waits for a person"),
    ("rm -rf build/*", "cannot say this request that narrowly"),
])
def test_always_is_refused_for_a_prompt_no_rule_may_cover(daemon: RunningDaemon, tmp_path: Path,
                                                          command: str, why: str) -> None:
    """A DENY of approvald's (here self-protection) or a call Claude Code's rules cannot name
    narrowly: nothing written, nothing decided; once still works."""
    with StandInAgent(daemon.env, tmp_path) as agent:
        job = _ask(agent, daemon, command=command)
        [pending] = daemon.wait_pending()
        refused = daemon.cli("approvals", "approve", pending["id"], "--always")
        assert refused.returncode == 1 and why in refused.stderr
        assert refused.stderr.count("\n") == 1
        assert daemon.client().approval(pending["id"])["status"] == "pending"
        assert not (daemon.paths.policies / "approved.yaml").exists()
        assert daemon.cli("approvals", "approve", pending["id"]).returncode == 0
        assert _decision(job) == {"behavior": "allow"}
