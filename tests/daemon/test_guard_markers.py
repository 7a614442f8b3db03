"""Every agent's environment markers keep a process it started off the operator's side.

Real processes: a child started with one agent's marker in its environment (as that agent puts
it in everything it runs) is refused; the same child without it is not (docs/SECURITY.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from approvald.agents import all_agents
from approvald.daemon import peers
from approvald.daemon.guard import OperatorGuard

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="another process's environment is read from /proc here")

ALL_MARKERS = {var for agent in all_agents() for var, _ in agent.env_markers}
CASES = [(agent.name, var, value) for agent in all_agents() for var, value in agent.env_markers]


@contextmanager
def _child(extra: dict[str, str]) -> Iterator[int]:
    env = {k: v for k, v in os.environ.items() if k not in ALL_MARKERS}
    proc = subprocess.Popen(["sleep", "60"], env={**env, **extra})
    try:
        # Popen may return between fork and exec: wait for the child to be `sleep`.
        deadline = time.monotonic() + 10
        while peers.argv(proc.pid) != ["sleep", "60"] and time.monotonic() < deadline:
            time.sleep(0.005)
        yield proc.pid
    finally:
        proc.kill()
        proc.wait(5)


def test_every_agent_names_its_markers() -> None:
    agents = {agent.name: agent.env_markers for agent in all_agents()}
    assert all(agents.values()), [name for name, markers in agents.items() if not markers]
    owners: dict[str, str] = {}
    for name, markers in agents.items():
        for var, _ in markers:
            assert owners.setdefault(var, name) == name, f"{var} is claimed twice"


@pytest.mark.parametrize(("agent", "var", "value"), CASES,
                         ids=[f"{a}-{v}" for a, v, _ in CASES])
def test_a_process_carrying_the_marker_is_refused(agent: str, var: str,
                                                  value: str | None) -> None:
    guard = OperatorGuard()
    with _child({var: value if value is not None else "019a2b3c-any-value"}) as pid:
        refusal = guard.refusal(pid)
    assert refusal is not None
    assert f"inside the {agent} agent" in refusal.reason and var in refusal.reason
    with _child({}) as pid:
        assert guard.refusal(pid) is None


def test_a_marker_with_another_value_is_not_one() -> None:
    guard = OperatorGuard()
    with _child({"CURSOR_EXTENSION_HOST_ROLE": "user", "GEMINI_CLI": "0"}) as pid:
        assert guard.refusal(pid) is None


def test_a_marker_cleared_by_the_child_still_counts_in_its_parent() -> None:
    """`env -u CLAUDECODE approvald ...` run by the agent's shell: the request's own process
    has no marker, the shell that started it does."""
    env = {k: v for k, v in os.environ.items() if k not in ALL_MARKERS}
    shell = subprocess.Popen(["sh", "-c", "env -u CLAUDECODE sleep 60; :"],
                             env={**env, "CLAUDECODE": "1"})
    child: int | None = None
    try:
        deadline = time.monotonic() + 10
        while child is None and time.monotonic() < deadline:
            for pid in _children(shell.pid):
                if peers.argv(pid) == ["sleep", "60"]:
                    child = pid
            time.sleep(0.005)
        assert child is not None
        assert "CLAUDECODE" not in (peers.environment(child) or {})
        refusal = OperatorGuard().refusal(child)
        assert refusal is not None
        assert "inside the claude-code agent" in refusal.reason, refusal.reason
        assert f"in process {shell.pid}" in refusal.reason
    finally:
        if child is not None:
            os.kill(child, 9)
        shell.kill()
        shell.wait(5)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []
