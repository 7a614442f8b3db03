"""Keeping agents off the operator's side (docs/SECURITY.md, "The operator's side").

The daemon learns which processes are agents from the hooks they run: a hook's connection names
its process, and the agent is the hook's nearest ancestor that is neither the hook itself (or
its launcher) nor a shell (agents start hooks through `sh -c`). Agents also mark the
environment of what they start (`Agent.env_markers`, e.g. `CLAUDECODE=1`).

An operator request (deciding approvals, leases, policy) whose process descends from a known
agent, or carries an agent's marker (itself or any ancestor), is refused with 403 and an audit
record. A peer that cannot be identified is refused too. Who decided (`decided_by`) comes from
the surface, never from the request: the dashboard is the process holding an event stream open
(`/v1/events`); any other operator process is the CLI.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from approvald.daemon import peers

log = logging.getLogger("approvald.daemon")

# Processes that start others on an agent's behalf without being the agent.
SHELLS = frozenset({
    "sh", "bash", "dash", "zsh", "fish", "ksh", "mksh", "tcsh", "csh", "busybox", "env",
    "nohup", "stdbuf", "cmd.exe", "powershell.exe", "pwsh", "pwsh.exe", "bash.exe", "sh.exe",
})
MAX_AGENTS = 4096  # known agent processes kept (only gone ones are forgotten to make room)


@dataclass(frozen=True)
class Refusal:
    reason: str  # one sentence for the refused client and the audit record
    peer: int | None
    agent: int | None  # the agent process it descends from, when that is why


def _markers() -> dict[str, tuple[str, str | None]]:
    """env var -> (agent name, the value that marks it, or None for any value)."""
    from approvald.agents import all_agents

    found: dict[str, tuple[str, str | None]] = {}
    for agent in all_agents():
        for name, value in getattr(agent, "env_markers", ()):
            found[name] = (agent.name, value)
    return found


class OperatorGuard:
    """Known agent processes, and the check every operator request goes through."""

    def __init__(self, *, require_peer: bool = True):
        # False only for in-process tests, whose requests have no connection at all.
        self.require_peer = require_peer
        self._agents: dict[tuple[int, str], str] = {}  # (pid, start) -> agent name
        self._lock = threading.Lock()
        self._marker_table: dict[str, tuple[str, str | None]] | None = None

    @property
    def markers(self) -> dict[str, tuple[str, str | None]]:
        if self._marker_table is None:
            self._marker_table = _markers()
        return self._marker_table

    @property
    def known_agents(self) -> list[tuple[int, str]]:
        with self._lock:
            return [(pid, name) for (pid, _), name in self._agents.items()]

    def learn_from_hook(self, hook_pid: int | None, agent: str) -> int | None:
        """Remember the agent that ran the hook `hook_pid`; its pid, or None."""
        if hook_pid is None:
            return None
        chain = peers.ancestors(hook_pid)  # read one at a time: the agent is near
        hook = next(chain, None)
        if hook is None:
            return None
        hook_argv: list[list[str] | None] = []  # read once, when a process shares its name
        for proc in chain:
            if proc.name in SHELLS:
                continue
            # A known agent first: the usual hook is its agent's hundredth, and this spares
            # reading two command lines when agent and hook share a name. It decides nothing
            # else: a launcher has one child, the hook it launches, so it is never remembered.
            with self._lock:
                if proc.key in self._agents:
                    self._agents[proc.key] = agent
                    return proc.pid
            if proc.name == hook.name:
                if not hook_argv:
                    hook_argv.append(peers.argv(hook.pid))
                if peers.argv(proc.pid) == hook_argv[0]:
                    continue  # the hook's launcher (a one-file build's bootloader)
            # A process under a known agent adds nothing: its requests are refused already,
            # and an agent running many hooks from children must not fill the table.
            with self._lock:
                known = dict(self._agents)
            if any(above.key in known for above in chain):
                return proc.pid
            self._remember(proc, agent)
            return proc.pid
        return None

    def _remember(self, proc: peers.Process, agent: str) -> None:
        with self._lock:
            if len(self._agents) >= MAX_AGENTS:
                # Forget only processes that are gone (or whose pid is another's now): a live
                # agent forgotten would be the operator again.
                for key in list(self._agents):
                    now = peers.process(key[0])
                    if now is None or now.key != key:
                        del self._agents[key]
            if len(self._agents) >= MAX_AGENTS:
                log.warning("agent process %d (%s) not remembered: %d live agent processes "
                            "are known already", proc.pid, proc.name, len(self._agents))
                return
            log.info("agent process %d (%s) learned from a %s hook", proc.pid, proc.name, agent)
            self._agents[proc.key] = agent

    def refusal(self, peer_pid: int | None) -> Refusal | None:
        """Why the process `peer_pid` may not act as the operator, or None when it may."""
        if peer_pid is None:
            if not self.require_peer:
                return None
            return Refusal("approvald cannot tell which process sent this request, so it "
                           "cannot be the operator's", None, None)
        chain = peers.ancestry(peer_pid)
        if not chain:
            return Refusal(f"approvald cannot inspect process {peer_pid}, so it cannot be "
                           "the operator's", peer_pid, None)
        with self._lock:
            agents = dict(self._agents)
        for proc in chain:
            name = agents.get(proc.key)
            if name is not None:
                return Refusal(f"process {peer_pid} was started by the {name} agent (process "
                               f"{proc.pid}); an agent cannot act as the operator",
                               peer_pid, proc.pid)
        # Every ancestor, not the peer alone: `env -u CLAUDECODE approvald ...` clears its own
        # marker, while the agent's shell that started it still carries it.
        for proc in chain:
            env = peers.environment(proc.pid) or {}
            for var, (name, value) in self.markers.items():
                if var in env and (value is None or env[var] == value):
                    where = "" if proc.pid == peer_pid else f" (in process {proc.pid})"
                    return Refusal(f"process {peer_pid} runs inside the {name} agent ({var} is "
                                   f"set{where}); an agent cannot act as the operator",
                                   peer_pid, None)
        return None
