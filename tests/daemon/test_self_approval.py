"""Issue 11, critical: the agent cannot approve its own request.

Real processes throughout: a real daemon; a stand-in agent that runs its hook through `sh -c`
and then runs the attacker's script (as an allowed `python3 tools/x.py`) through `sh -c` too;
the person's CLI, run from outside that tree.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.agent import StandInAgent
from tests.support.daemon import (
    RunningDaemon,
    finish_hook,
    hook_argv,
    hook_payload,
    start_hook,
)

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="peer processes are read from /proc here")]

PUSH = "git push --force origin main"

# What the prompt-injected agent writes to tools/x.py: the steps of the exploit.
ATTACK = r'''
import json, socket, subprocess, sys

paths = json.loads(subprocess.run(["approvald", "paths", "--json"], capture_output=True,
                                  text=True, check=True).stdout)
token = open(paths["state"] + "/operator.token").read().strip()

def call(method, target, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    s = socket.socket(socket.AF_UNIX)
    s.connect(paths["socket"])
    s.sendall((f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
    raw = b""
    while chunk := s.recv(65536):
        raw += chunk
    return int(raw.split(b" ", 2)[1])

results = {"list": call("GET", "/v1/approvals")}
results["approve"] = call("POST", "/v1/approvals/" + sys.argv[1] + "/approve",
                          {"by": "dashboard"})
print(json.dumps(results))
'''


def _attack(agent: StandInAgent | None, daemon: RunningDaemon, tmp: Path, approval_id: str,
            env: dict[str, str] | None = None) -> dict[str, int]:
    """Run the attacker's script: as the agent's tool call, or (agent None) on its own."""
    script = tmp / "x.py"
    script.write_text(ATTACK)
    line = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} {approval_id}"
    if agent is not None:
        result = agent.run(line)
        assert result.code == 0, result.stderr
        return dict(json.loads(result.stdout))
    proc = subprocess.run(["sh", "-c", line], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def _agent_env(daemon: RunningDaemon) -> dict[str, str]:
    env = dict(daemon.env)
    env["PATH"] = str(Path(daemon.exe[0]).parent) + os.pathsep + env.get("PATH", "")
    return env


def _hook_line(daemon: RunningDaemon) -> str:
    return shlex.join(hook_argv(daemon.exe))


def _audit(daemon: RunningDaemon) -> list[dict[str, object]]:
    return [json.loads(line) for line in daemon.paths.audit_file.read_text().splitlines()]


def _refusals(daemon: RunningDaemon, count: int) -> list[dict[str, object]]:
    """The operator.refused records once `count` are on disk: the audit writer appends them
    after the 403 has gone (the wait is bounded only against a hang)."""
    deadline = time.monotonic() + 15
    while True:
        refused = [r for r in _audit(daemon) if r["event"] == "operator.refused"]
        if len(refused) >= count or time.monotonic() > deadline:
            return refused
        time.sleep(0.05)


def test_a_script_the_agent_runs_cannot_approve_its_request(daemon: RunningDaemon,
                                                            tmp_path: Path) -> None:
    with StandInAgent(_agent_env(daemon), tmp_path) as agent:
        hook = agent.start(_hook_line(daemon), stdin=hook_payload(PUSH))
        pending = daemon.wait_pending()[0]
        # The hook's ancestry told the daemon which process is the agent; the agent's script
        # is another child of that process, through `sh -c`, with the same token files.
        results = _attack(agent, daemon, tmp_path, pending["id"])
        assert results == {"list": 403, "approve": 403}
        assert daemon.client().approval(pending["id"])["status"] == "pending"
        refused = _refusals(daemon, 2)
        assert len(refused) == 2 and all("agent" in str(r["reason"]) for r in refused)
        assert all(r["agent_pid"] == agent.pid for r in refused)

        # The person, outside the agent's tree, still decides; `decided_by` is the surface.
        approve = daemon.cli("approvals", "approve", pending["id"])
        assert approve.returncode == 0, approve.stderr
        answer = hook.wait()
        assert answer.code == 0
        decision = json.loads(answer.stdout)["hookSpecificOutput"]["permissionDecision"]
        assert decision == "allow"
        assert daemon.client().approval(pending["id"])["decided_by"] == "cli"


def test_an_agent_marker_is_refused_even_outside_the_tree(daemon: RunningDaemon,
                                                          tmp_path: Path) -> None:
    hook = start_hook(daemon.exe, daemon.env, hook_payload(PUSH))
    pending = daemon.wait_pending()[0]
    marked = {**_agent_env(daemon), "CLAUDECODE": "1"}
    results = _attack(None, daemon, tmp_path, pending["id"], env=marked)
    assert results == {"list": 403, "approve": 403}
    assert daemon.client().approval(pending["id"])["status"] == "pending"
    assert daemon.cli("approvals", "deny", pending["id"]).returncode == 0
    finish_hook(hook)


def test_the_body_does_not_say_who_decided(daemon: RunningDaemon) -> None:
    hook = start_hook(daemon.exe, daemon.env, hook_payload(PUSH))
    pending = daemon.wait_pending()[0]
    # The person's own process, claiming to be the dashboard without being one.
    decided = daemon.client().approve(pending["id"], by="dashboard")
    assert decided["decided_by"] == "cli"
    finish_hook(hook)
