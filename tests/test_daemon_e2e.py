"""The real `approvald daemon` process: one per home, socket and token permissions, status,
signals, the event stream, policy reload on file change.

`RunningDaemon` and `run_hook` are shared with test_hook_e2e.py and test_approvals_cli.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from approvald.client import DaemonClient, NotRunning
from approvald.paths import get_paths

pytestmark = pytest.mark.e2e
START_TIMEOUT_S = 30
HOOK_TIMEOUT_S = 60


def hook_payload(command: str | None = None, *, session: str = "sess-1", cwd: str = "/tmp",
                 tool: str = "Bash", tool_input: dict[str, Any] | None = None) -> bytes:
    """A PreToolUse payload as Claude Code sends it."""
    return json.dumps({
        "session_id": session, "transcript_path": "/tmp/t.jsonl", "cwd": cwd,
        "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool,
        "tool_input": tool_input if tool_input is not None else {"command": command},
        "tool_use_id": f"toolu_{time.monotonic_ns()}",
    }).encode()


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPROVALD_")}
    env["APPROVALD_HOME"] = str(home)
    env.update(extra)
    return env


class RunningDaemon:
    def __init__(self, exe: list[str], home: Path, **env: str):
        self.exe = exe
        self.home = home
        self.env = env_for(home, **env)
        self.paths = get_paths(self.env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.output = home / f"daemon-{time.monotonic_ns()}.out"

    def start(self) -> RunningDaemon:
        with self.output.open("wb") as out:
            self.proc = subprocess.Popen([*self.exe, "daemon"], env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        client = DaemonClient(self.paths, timeout=2)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}: {self.log()}")
            try:
                if client.status()["pid"] == self.proc.pid:
                    return self
            except NotRunning:
                pass
            time.sleep(0.05)
        self.proc.kill()
        raise AssertionError(f"daemon did not answer in {START_TIMEOUT_S} s: {self.log()}")

    def log(self) -> str:
        try:
            return self.output.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError(f"daemon ignored signal {sig}: {self.log()}") from None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def client(self) -> DaemonClient:
        return DaemonClient(self.paths, timeout=10)

    def cli(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.exe, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def ensure_stopped(self) -> None:
        """Teardown: never leave a daemon behind, whatever the test did."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(AssertionError):
                self.stop()
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(5)

    def wait_pending(self, count: int = 1, timeout: float = 15) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = self.client().approvals()
            if len(items) >= count:
                return items
            time.sleep(0.05)
        raise AssertionError(f"expected {count} pending approvals; log: {self.log()}")


def run_hook(exe: list[str], env: dict[str, str], payload: bytes,
             timeout: float = HOOK_TIMEOUT_S) -> tuple[int, dict[str, Any] | None, str]:
    """Run `approvald hook claude-code`; (exit code, hookSpecificOutput or None, stderr)."""
    proc = subprocess.run([*exe, "hook", "claude-code"], input=payload, env=env,
                          capture_output=True, timeout=timeout)
    return proc.returncode, _hook_output(proc.stdout), proc.stderr.decode(errors="replace")


def start_hook(exe: list[str], env: dict[str, str], payload: bytes) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([*exe, "hook", "claude-code"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    proc.stdin.write(payload)
    proc.stdin.close()
    return proc


def finish_hook(proc: subprocess.Popen[bytes], timeout: float = HOOK_TIMEOUT_S) -> tuple[
        int, dict[str, Any] | None]:
    assert proc.stdout is not None and proc.stderr is not None
    try:
        proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = proc.stdout.read()
    proc.stdout.close()
    proc.stderr.close()
    return proc.returncode, _hook_output(out)


def _hook_output(stdout: bytes) -> dict[str, Any] | None:
    text = stdout.decode().strip()
    if not text:
        return None
    doc = json.loads(text)
    out = doc["hookSpecificOutput"]
    assert out["hookEventName"] == "PreToolUse"
    assert out["permissionDecision"] in ("allow", "deny", "ask")
    return dict(out)


@pytest.fixture
def daemon(approvald_exe: list[str], approvald_home: Path) -> Iterator[RunningDaemon]:
    running = RunningDaemon(approvald_exe, approvald_home).start()
    yield running
    running.ensure_stopped()


# -- tests ------------------------------------------------------------------------------------

def test_one_daemon_per_home(daemon: RunningDaemon) -> None:
    second = daemon.cli("daemon", timeout=30)
    assert second.returncode == 1
    assert f"a daemon already runs for {daemon.paths.home} (pid {daemon.proc.pid})" in \
        second.stderr


def test_socket_token_and_runtime_dir_are_private(daemon: RunningDaemon) -> None:
    sock = daemon.paths.unix_socket
    assert stat.S_ISSOCK(sock.stat().st_mode)
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    assert stat.S_IMODE(daemon.paths.runtime.stat().st_mode) == 0o700
    token = daemon.paths.token_file
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert len(token.read_text().strip()) >= 40


def test_status_json_running_and_not(daemon: RunningDaemon) -> None:
    result = daemon.cli("status", "--json")
    assert result.returncode == 0
    status = json.loads(result.stdout)
    assert status["running"] is True and status["pid"] == daemon.proc.pid
    assert status["socket"] == str(daemon.paths.unix_socket)
    assert status["policy_hash"].startswith("sha256:")
    assert daemon.stop() == 0
    result = daemon.cli("status", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"running": False}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly(daemon: RunningDaemon, sig: int) -> None:
    assert daemon.stop(sig) == 0
    assert not daemon.paths.unix_socket.exists()
    assert "daemon stopped" in daemon.paths.log_file.read_text()


def test_restart_after_kill9_replaces_the_stale_socket(daemon: RunningDaemon) -> None:
    daemon.kill9()
    assert daemon.paths.unix_socket.exists()  # left behind by the dead daemon
    again = RunningDaemon(daemon.exe, daemon.home).start()
    try:
        assert again.client().status()["pid"] == again.proc.pid
    finally:
        assert again.stop() == 0


def _read_events(sock: socket.socket, until: str, timeout: float = 10) -> list[dict[str, Any]]:
    sock.settimeout(timeout)
    buffer = b""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buffer += chunk
        for line in buffer.split(b"\n"):
            if line.startswith(b"data: "):
                event = json.loads(line[6:])
                if event not in events:
                    events.append(event)
        if any(e["type"] == until for e in events):
            return events
    raise AssertionError(f"no {until} event in {events}")


def test_event_stream_needs_the_token_and_pushes_decisions(daemon: RunningDaemon) -> None:
    token = daemon.paths.token_file.read_text().strip()
    refused = socket.socket(socket.AF_UNIX)
    refused.connect(str(daemon.paths.unix_socket))
    refused.sendall(b"GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
    refused.settimeout(10)
    assert refused.recv(100).startswith(b"HTTP/1.1 401")
    refused.close()

    stream = socket.socket(socket.AF_UNIX)
    stream.connect(str(daemon.paths.unix_socket))
    stream.sendall(f"GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}"
                   "\r\n\r\n".encode())
    try:
        hello = _read_events(stream, "hello")
        assert hello[0]["running"] is True and hello[0]["ts"]
        code, out, _ = run_hook(daemon.exe, daemon.env, hook_payload(
            tool="Read", tool_input={"file_path": "/work/proj/.env"}, cwd="/work/proj"))
        assert code == 0 and out is not None and out["permissionDecision"] == "deny"
        events = _read_events(stream, "decision")
        decision = next(e for e in events if e["type"] == "decision")
        assert decision["decision"] == "DENY" and decision["tool"] == "Read"
        assert decision["summary"] == "/work/proj/.env" and decision["session_id"] == "sess-1"
    finally:
        stream.close()


def _wait_for(predicate: Any, daemon: RunningDaemon, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not reached in time; daemon log:\n{daemon.log()}")


def test_policy_file_change_reloads_and_broken_edit_keeps_last_good(
        daemon: RunningDaemon) -> None:
    env = daemon.env
    before = daemon.client().status()["policy_hash"]
    code, out, _ = run_hook(daemon.exe, env, hook_payload("ls"))
    assert code == 0 and out is None
    user_policy = daemon.paths.policies / "mine.yaml"
    user_policy.write_text(
        "rules:\n"
        "  - id: no-ls\n"
        "    decision: DENY\n"
        "    reason: Listing is off today.\n"
        "    match: {program: ls}\n")
    _wait_for(lambda: daemon.client().status()["policy_hash"] != before, daemon)
    code, out, _ = run_hook(daemon.exe, env, hook_payload("ls"))
    assert out is not None and out["permissionDecision"] == "deny"
    assert "Listing is off today." in out["permissionDecisionReason"]
    good = daemon.client().status()["policy_hash"]

    user_policy.write_text("rules:\n  - id: [unclosed\n")
    _wait_for(lambda: daemon.client().status()["policy_error"], daemon)
    status = daemon.client().status()
    assert status["policy_hash"] == good and "mine.yaml" in status["policy_error"]
    code, out, _ = run_hook(daemon.exe, env, hook_payload("ls"))
    assert out is not None and out["permissionDecision"] == "deny"  # last good still in force

    user_policy.unlink()
    reloaded = daemon.client().reload_policy()
    assert reloaded == {"policy_hash": before, "policy_error": None}
    code, out, _ = run_hook(daemon.exe, env, hook_payload("ls"))
    assert code == 0 and out is None


def test_daemon_log_is_written(daemon: RunningDaemon) -> None:
    text = daemon.paths.log_file.read_text()
    assert "listening on" in text and str(daemon.paths.unix_socket) in text
