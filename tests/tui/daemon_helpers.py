"""A real daemon and real hook processes for the dashboard's end-to-end tests."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DAEMON_START_S = 20.0
HOOK_TIMEOUT_S = 20.0


def wait_for_daemon(exe: list[str], daemon: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + DAEMON_START_S
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise AssertionError(f"the daemon exited: {log.read_text(errors='replace')}")
        status = subprocess.run([*exe, "status", "--json"], capture_output=True, text=True,
                                timeout=10)
        if status.returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"the daemon did not answer within {DAEMON_START_S:g} s")


@contextmanager
def running_daemon(home: Path, exe: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    """`approvald daemon` for APPROVALD_HOME=home (already in the environment)."""
    log = home / "daemon.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen([*exe, "daemon"], stdout=out, stderr=out,
                                stdin=subprocess.DEVNULL)
    try:
        wait_for_daemon(exe, proc, log)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def push_payload(project: Path, session_id: str) -> str:
    """Claude Code's PreToolUse payload for `git push origin main`."""
    return json.dumps({
        "session_id": session_id,
        "transcript_path": f"/tmp/transcripts/{session_id}.jsonl",
        "cwd": str(project),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "git push origin main", "description": "Push to origin"},
        "tool_use_id": "toolu_01" + uuid.uuid4().hex[:22],
    })


def ask_hook(exe: list[str], payload: str, cwd: Path) -> subprocess.Popen[str]:
    """Start `approvald hook claude-code` with the payload on stdin (it may wait for a person)."""
    proc = subprocess.Popen([*exe, "hook", "claude-code"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    assert proc.stdin is not None
    proc.stdin.write(payload)
    proc.stdin.close()
    return proc


def hook_answer(proc: subprocess.Popen[str]) -> dict[str, str]:
    """The hook's `hookSpecificOutput` once it exits (bounded)."""
    try:
        proc.wait(HOOK_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.stdout is not None
    out = proc.stdout.read()
    assert proc.returncode == 0, out
    decision: dict[str, str] = json.loads(out)["hookSpecificOutput"]
    return decision
