"""A simulated agent session: that agent's hook payloads sent through the real hook process.

Each step starts `approvald hook AGENT` with the payload on stdin, exactly as the agent does
(Claude Code by default; any agent of `approvald.demo.agents`), and reads its answer the way that
agent would. A step that needs a person keeps its hook waiting while the session goes on (so
several can be pending at once); nothing the steps describe is ever executed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from approvald.demo.agents import ALLOW, DENY, SimulatedAgent, simulated

PENDING = "pending"
HOOK_WAIT_S = 900.0  # the hook ends itself before this (the daemon's approval timeout)
SHELL, READ = "shell", "read"

__all__ = ["ALLOW", "DENY", "PENDING", "DemoSession", "Outcome", "Step", "demo_steps",
           "hook_env"]


@dataclass(frozen=True)
class Step:
    title: str  # what the agent is doing, for a person
    what: str  # SHELL (target: the command) or READ (target: the file)
    target: str
    expect: str  # ALLOW, DENY or PENDING under the starter policy
    subdir: str = ""  # the session's cwd inside the project
    description: str = ""  # the agent's label for a shell line

    def payload(self, agent: SimulatedAgent, project: Path, session_id: str) -> dict[str, Any]:
        """The payload `agent` sends for this step."""
        cwd = str(project / self.subdir if self.subdir else project)
        if self.what == SHELL:
            return agent.shell(self.target, cwd, session_id, self.description)
        return agent.read(self.target, cwd, session_id)


def demo_steps(project: Path) -> list[Step]:
    return [
        Step("runs the tests", SHELL, "npm test", ALLOW, description="Run the test suite"),
        Step("looks at the working tree", SHELL, "git status", ALLOW,
             description="Show working tree status"),
        Step("reads the .env file", READ, str(project / ".env"), DENY),
        Step("pushes to main", SHELL, "git push origin main", PENDING,
             description="Push the fix to origin/main"),
        Step("applies the infrastructure", SHELL, "terraform apply", PENDING, subdir="infra",
             description="Apply the bucket and CDN changes"),
    ]


@dataclass
class Outcome:
    step: Step
    answer: str = ""
    reason: str = ""

    @property
    def as_expected(self) -> bool:
        if self.step.expect == PENDING:
            return self.answer in (ALLOW, DENY)  # a person decided (or it timed out)
        return self.answer == self.step.expect


@dataclass
class DemoSession:
    """Runs the steps on a thread; `report` gets one human line per thing that happens."""

    hook_argv: list[str]  # the approvald command; `hook AGENT` is added
    project: Path
    env: dict[str, str]
    report: Callable[[str], None]
    agent: str = "claude-code"
    speed: float = 1.0
    first_pause_s: float = 2.0
    pause_s: float = 2.5
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._agent = simulated(self.agent)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._procs: list[subprocess.Popen[str]] = []
        self._waiters: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._run, name="demo-session", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _pause(self, seconds: float) -> bool:
        """Sleep (scaled by speed); False when stopped meanwhile."""
        return not self._stop.wait(seconds / max(self.speed, 0.01))

    def _run(self) -> None:
        for index, step in enumerate(demo_steps(self.project)):
            if not self._pause(self.first_pause_s if index == 0 else self.pause_s):
                return
            payload = step.payload(self._agent, self.project, self.session_id)
            self.report(f"{self._agent.display_name} {step.title}: {step.what} {step.target}")
            outcome = Outcome(step)
            with self._lock:
                self.outcomes.append(outcome)
            waiter = threading.Thread(target=self._ask_hook, args=(payload, step, outcome),
                                      name=f"demo-hook-{index}", daemon=True)
            self._waiters.append(waiter)
            waiter.start()

    def _ask_hook(self, payload: dict[str, Any], step: Step, outcome: Outcome) -> None:
        cwd = str(self.project / step.subdir if step.subdir else self.project)
        try:
            proc = subprocess.Popen(as_stand_in_agent([*self.hook_argv, "hook", self.agent]),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=self.env, cwd=cwd)
        except OSError as exc:
            outcome.answer, outcome.reason = "error", f"could not start the hook: {exc}"
            self.report(f"  -> {outcome.reason}")
            return
        with self._lock:
            self._procs.append(proc)
        try:
            stdout, stderr = proc.communicate(json.dumps(payload), timeout=HOOK_WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        answer, reason = self._agent.answer(stdout, stderr, proc.returncode)
        outcome.answer, outcome.reason = answer, reason
        if not self._stop.is_set():  # what the agent got back, in its own words
            self.report(f"  -> {answer.upper()}: {step.target}" + (
                f" (the agent read: {reason})" if reason else ""))

    def running(self) -> bool:
        return self._thread.is_alive() or any(w.is_alive() for w in self._waiters)

    def wait(self, timeout: float | None = None) -> bool:
        """True when every step has its answer."""
        self._thread.join(timeout)
        for waiter in list(self._waiters):
            waiter.join(timeout)
        return not self.running()

    def stop(self) -> None:
        """End the session: no more steps, and hooks still waiting are ended."""
        self._stop.set()
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            if proc.poll() is None:
                try:
                    proc.kill()
                except OSError:
                    pass
        self._thread.join(5)
        for waiter in list(self._waiters):
            waiter.join(5)


# The simulated agent is a process of its own, running each hook as its child as Claude Code
# does: the daemon takes a hook's parent for the agent and refuses the agent's processes the
# operator's side, so the demo's own decisions (its dashboard, --auto) must not come from it.
STAND_IN_FLAG = "--stand-in-agent"
_STAND_IN = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def as_stand_in_agent(hook_argv: list[str]) -> list[str]:
    if getattr(sys, "frozen", False):  # the binary runs `approvald demo --stand-in-agent CMD`
        return [hook_argv[0], "demo", STAND_IN_FLAG, *hook_argv]
    return [sys.executable, "-c", _STAND_IN, *hook_argv]


def hook_env(home: Path) -> dict[str, str]:
    return {**os.environ, "APPROVALD_HOME": str(home)}
