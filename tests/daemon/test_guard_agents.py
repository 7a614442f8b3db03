"""The guard's table of known agent processes cannot be flooded: hooks run under a known agent
add nothing, and only processes that are gone make room (a live agent is never forgotten).

A unit test over a process table the test owns (`peers.process`), so thousands of hooks cost
nothing; the real-process paths are in test_self_approval.py and test_guard_markers.py.
"""

from __future__ import annotations

import pytest

from approvald.daemon import guard, peers
from approvald.daemon.guard import OperatorGuard

INIT = 1
TERMINAL = 10  # the person's shell: not under any agent


class Table:
    def __init__(self) -> None:
        self.procs: dict[int, peers.Process] = {}

    def add(self, pid: int, ppid: int, name: str, start: str = "s") -> int:
        self.procs[pid] = peers.Process(pid, ppid, name, start)
        return pid

    def hook(self, pid: int, under: int) -> int:
        """A hook run the agents' way: `sh -c approvald hook ...` under `under`."""
        self.add(pid + 1, under, "sh")
        return self.add(pid, pid + 1, "approvald")


@pytest.fixture()
def table(monkeypatch: pytest.MonkeyPatch) -> Table:
    procs = Table()
    procs.add(INIT, 0, "systemd")
    procs.add(TERMINAL, INIT, "bash")
    monkeypatch.setattr(peers, "process", procs.procs.get)
    monkeypatch.setattr(peers, "environment", lambda pid: {})
    monkeypatch.setattr(peers, "argv", lambda pid: [str(pid)])
    return procs


def test_hooks_run_under_a_known_agent_do_not_push_it_out(table: Table) -> None:
    agent = table.add(100, TERMINAL, "claude")
    g = OperatorGuard()
    assert g.learn_from_hook(table.hook(1000, under=agent), "claude-code") == agent
    # The agent starts far more processes than the table holds, each running a hook.
    for i in range(guard.MAX_AGENTS + 50):
        child = table.add(10_000 + 10 * i, agent, "python3")
        g.learn_from_hook(table.hook(10_000 + 10 * i + 2, under=child), "claude-code")
    assert g.known_agents == [(agent, "claude-code")]
    cli = table.add(9000, table.add(9001, agent, "sh"), "approvald")
    refusal = g.refusal(cli)
    assert refusal is not None and refusal.agent == agent


def test_a_full_table_forgets_only_gone_processes(table: Table,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "MAX_AGENTS", 3)
    g = OperatorGuard()
    agents = [table.add(100 + i, TERMINAL, "claude") for i in range(3)]
    for i, agent in enumerate(agents):
        g.learn_from_hook(table.hook(1000 + 10 * i, under=agent), "claude-code")
    fourth = table.add(200, TERMINAL, "codex")
    g.learn_from_hook(table.hook(2000, under=fourth), "codex")
    assert sorted(pid for pid, _ in g.known_agents) == agents  # every one is alive
    del table.procs[agents[0]]  # gone
    table.add(agents[1], TERMINAL, "bash", start="later")  # its pid is another process now
    g.learn_from_hook(table.hook(2010, under=fourth), "codex")
    assert sorted(pid for pid, _ in g.known_agents) == [agents[2], fourth]


def test_a_known_agent_is_found_without_reading_command_lines(
        table: Table, monkeypatch: pytest.MonkeyPatch) -> None:
    """Agent and hook share a name (a Python agent, a Python hook): the first hook tells them
    apart by their command lines; every later one finds the known agent without reading any,
    and a launcher with the hook's own command line is still passed over."""
    read: list[int] = []
    lines = {100: ["python3", "agent.py"]}

    def argv(pid: int) -> list[str]:
        read.append(pid)
        return lines.get(pid, ["python3", "-m", "approvald", "hook"])

    monkeypatch.setattr(peers, "argv", argv)
    agent = table.add(100, TERMINAL, "python3")
    g = OperatorGuard()
    assert g.learn_from_hook(table.add(200, agent, "python3"), "claude-code") == agent
    assert read == [200, 100]
    read.clear()
    for pid in range(300, 310):
        assert g.learn_from_hook(table.add(pid, agent, "python3"), "claude-code") == agent
    assert read == []
    # A launcher (same name, same command line as its hook) between agent and hook.
    launcher = table.add(400, agent, "python3")
    assert g.learn_from_hook(table.add(401, launcher, "python3"), "claude-code") == agent
    assert g.known_agents == [(agent, "claude-code")]
