"""A simulated Claude Code session: PreToolUse payloads sent through the real hook process.

Each step starts `approvald hook claude-code` with the payload on stdin, exactly as Claude Code
does, and reads its answer. A step that needs a person keeps its hook waiting while the session
goes on (so several can be pending at once); nothing the steps describe is ever executed.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ALLOW, DENY, PENDING = "allow", "deny", "pending"
HOOK_WAIT_S = 900.0  # the hook ends itself before this (the daemon's approval timeout)


@dataclass(frozen=True)
class Step:
    title: str  # what the agent is doing, for a person
    tool_name: str
    tool_input: dict[str, Any]
    expect: str  # ALLOW, DENY or PENDING under the starter policy
    subdir: str = ""  # the session's cwd inside the project


def demo_steps(project: Path) -> list[Step]:
    return [
        Step("runs the tests", "Bash",
             {"command": "npm test", "description": "Run the test suite"}, ALLOW),
        Step("looks at the working tree", "Bash",
             {"command": "git status", "description": "Show working tree status"}, ALLOW),
        Step("reads the .env file", "Read", {"file_path": str(project / ".env")}, DENY),
        Step("pushes to main", "Bash",
             {"command": "git push origin main", "description": "Push the fix to origin/main"},
             PENDING),
        Step("applies the infrastructure", "Bash",
             {"command": "terraform apply", "description": "Apply the bucket and CDN changes"},
             PENDING, subdir="infra"),
    ]


def build_payload(step: Step, project: Path, session_id: str, transcript_dir: Path) -> dict[
        str, Any]:
    """A PreToolUse payload shaped like the ones Claude Code sends."""
    cwd = project / step.subdir if step.subdir else project
    return {
        "session_id": session_id,
        "transcript_path": str(transcript_dir / f"{session_id}.jsonl"),
        "cwd": str(cwd),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": step.tool_name,
        "tool_input": step.tool_input,
        "tool_use_id": "toolu_01" + secrets.token_hex(11),
    }


def read_hook_answer(stdout: str, returncode: int) -> tuple[str, str]:
    """(allow|deny|ask|error, reason) from the hook's output, as Claude Code reads it."""
    text = stdout.strip()
    if not text:
        return (ALLOW, "no objection") if returncode == 0 else ("error", f"exit {returncode}")
    try:
        doc = json.loads(text)
        out = doc["hookSpecificOutput"]
        return str(out.get("permissionDecision", "")), str(
            out.get("permissionDecisionReason", ""))
    except (ValueError, KeyError, TypeError):
        return "error", f"unreadable hook output: {text[:200]}"


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

    hook_argv: list[str]
    project: Path
    env: dict[str, str]
    report: Callable[[str], None]
    speed: float = 1.0
    first_pause_s: float = 2.0
    pause_s: float = 2.5
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
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
        transcript_dir = self.project.parent / ".claude-transcripts"
        for index, step in enumerate(demo_steps(self.project)):
            if not self._pause(self.first_pause_s if index == 0 else self.pause_s):
                return
            payload = build_payload(step, self.project, self.session_id, transcript_dir)
            summary = step.tool_input.get("command") or step.tool_input.get("file_path")
            self.report(f"agent {step.title}: {step.tool_name} {summary}")
            outcome = Outcome(step)
            with self._lock:
                self.outcomes.append(outcome)
            waiter = threading.Thread(target=self._ask_hook, args=(payload, outcome),
                                      name=f"demo-hook-{index}", daemon=True)
            self._waiters.append(waiter)
            waiter.start()

    def _ask_hook(self, payload: dict[str, Any], outcome: Outcome) -> None:
        try:
            proc = subprocess.Popen(self.hook_argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True, env=self.env,
                                    cwd=payload["cwd"])
        except OSError as exc:
            outcome.answer, outcome.reason = "error", f"could not start the hook: {exc}"
            self.report(f"  -> {outcome.reason}")
            return
        with self._lock:
            self._procs.append(proc)
        try:
            stdout, _ = proc.communicate(json.dumps(payload), timeout=HOOK_WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, _ = proc.communicate()
        answer, reason = read_hook_answer(stdout, proc.returncode)
        outcome.answer, outcome.reason = answer, reason
        if not self._stop.is_set():
            command = payload["tool_input"].get("command") or payload["tool_input"].get(
                "file_path")
            self.report(f"  -> {answer.upper()}: {command}" + (f" ({reason})" if reason else ""))

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


def hook_env(home: Path) -> dict[str, str]:
    return {**os.environ, "APPROVALD_HOME": str(home)}
