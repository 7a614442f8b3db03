"""Every agent's hook run as a real process, its answer read the way that agent reads it."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any

from approvald.agents import AGENTS
from approvald.demo.agents import SimulatedAgent, simulated
from tests.support.daemon import HOOK_TIMEOUT_S, finish_raw, run_raw, start_hook

ALL_AGENTS = list(AGENTS)


@dataclass
class Answer:
    """A hook's output and what the agent makes of it (allow, deny, ask or error)."""

    code: int
    stdout: str
    stderr: str
    permission: str
    reason: str


def body(payload: dict[str, Any] | bytes) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


class AgentHook:
    """`approvald hook AGENT` for one agent, with that agent's payloads and reading."""

    def __init__(self, agent: str, exe: list[str], env: dict[str, str]):
        self.agent = agent
        self.sim: SimulatedAgent = simulated(agent)
        self.exe = exe
        self.env = env

    def start(self, payload: dict[str, Any] | bytes) -> subprocess.Popen[bytes]:
        return start_hook(self.exe, self.env, body(payload), agent=self.agent)

    def finish(self, proc: subprocess.Popen[bytes], timeout: float = HOOK_TIMEOUT_S) -> Answer:
        return self._read(*finish_raw(proc, timeout))

    def run(self, payload: dict[str, Any] | bytes, timeout: float = HOOK_TIMEOUT_S) -> Answer:
        return self._read(*run_raw(self.exe, self.env, body(payload), self.agent, timeout))

    def _read(self, code: int, out: str, err: str) -> Answer:
        permission, reason = self.sim.answer(out, err, code)
        return Answer(code, out, err, permission, reason)
