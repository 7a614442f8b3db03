"""The real `approvald daemon` process: one per home, socket and token permissions, status,
signals, the event stream, policy reload on file change.

"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemon import RunningDaemon, hook_payload, run_hook

pytestmark = pytest.mark.e2e


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


def _replace(path: Path, text: str) -> None:
    """Write as an editor that saves atomically: `write_text` truncates first, and the watcher
    may load the empty file in between (a valid policy with no rules)."""
    part = path.with_name(path.name + ".part")
    part.write_text(text)
    os.replace(part, path)


def test_policy_file_change_reloads_and_broken_edit_keeps_last_good(
        daemon: RunningDaemon) -> None:
    env = daemon.env
    before = daemon.client().status()["policy_hash"]
    code, out, _ = run_hook(daemon.exe, env, hook_payload("ls"))
    assert code == 0 and out is None
    user_policy = daemon.paths.policies / "mine.yaml"
    _replace(
        user_policy,
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

    _replace(user_policy, "rules:\n  - id: [unclosed\n")
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
