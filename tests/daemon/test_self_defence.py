"""Issue 11's findings against a real daemon, each with real processes and real sockets: the
analysis bomb beside another session, the HTTP server under abuse (a chunked 200 MB body, a
trickled head, a flood, descriptor exhaustion), a replayed request, bad input, and the audit
log (unwritable, deleted, rewritten)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from approvald.audit import AuditLog
from tests.support.daemon import (
    RunningDaemon,
    env_for,
    finish_hook,
    hook_payload,
    run_hook,
    start_hook,
)
from tests.support.payloads import write_npm_bomb
from tests.support.proofs import signed

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _connect(daemon: RunningDaemon) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + 10
    while True:
        try:
            sock.connect(str(daemon.paths.unix_socket))  # blocking: waits for the backlog
            break
        except BlockingIOError:  # the listen backlog is full for a moment
            if time.monotonic() > deadline:
                sock.close()
                raise
            time.sleep(0.01)
    sock.settimeout(30)
    return sock


def _answer(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError:
        pass
    return data


# -- the analysis bomb ----------------------------------------------------------------------------

def test_one_sessions_bomb_does_not_hold_up_another_session(daemon: RunningDaemon,
                                                            tmp_path: Path) -> None:
    project = tmp_path / "bomb"
    project.mkdir()
    write_npm_bomb(project)
    bomb = start_hook(daemon.exe, daemon.env,
                      hook_payload("npm run a", cwd=str(project), session="bomb-session"))
    # The analysis is bounded by count and size (issue 11): past its budget the bomb is marked
    # dynamic, so a person decides. (A worker past the time budget: test_evaluator.py.)
    pending = daemon.wait_pending()[0]
    code, out, _ = run_hook(daemon.exe, daemon.env, hook_payload("ls", session="other"))
    assert (code, out) == (0, None)  # ALLOW for the other session...
    assert bomb.poll() is None  # ...while the bomb waits for a person
    assert daemon.cli("approvals", "deny", pending["id"]).returncode == 0
    code, answer = finish_hook(bomb)
    assert code == 0 and answer is not None and answer["permissionDecision"] == "deny"
    assert run_hook(daemon.exe, daemon.env, hook_payload("ls", session="third"))[:2] == (0, None)


# -- the HTTP server ------------------------------------------------------------------------------

def test_a_chunked_200_mb_body_is_refused_at_the_cap_not_buffered(daemon: RunningDaemon) -> None:
    assert daemon.proc is not None
    sock = _connect(daemon)
    sock.sendall(b"POST /v1/hook/claude-code HTTP/1.1\r\nHost: x\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (1 << 20, b"x" * (1 << 20))
    sent = 0
    try:
        for _ in range(200):
            sock.sendall(chunk)
            sent += 1
    except OSError:
        pass  # the daemon answered and closed: the rest is never read
    answer = _answer(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 200
    peak = _peak_rss_mb(daemon.proc.pid)
    print(f"\npeak daemon RSS with a chunked 200 MB body: {peak:.0f} MB ({sent} MB sent)")
    assert peak < 200  # the cap (32 MB) plus the daemon, never the whole body
    assert daemon.client().status()["running"]


def test_a_trickled_head_is_cut_off(daemon: RunningDaemon) -> None:
    sock = _connect(daemon)
    sock.sendall(b"POST /v1/hook/claude-code HTTP/1.1\r\n")
    deadline = time.monotonic() + 40
    closed = False
    while time.monotonic() < deadline and not closed:
        try:
            sock.sendall(b"X-Slow: a\r\n")
            sock.settimeout(1)
            closed = sock.recv(1) == b""
        except TimeoutError:
            continue
        except OSError:
            closed = True
    sock.close()
    assert closed, "a client trickling its head is never closed"


def test_a_flood_of_connections_does_not_lock_the_person_out(daemon: RunningDaemon) -> None:
    flood = []
    try:
        for _ in range(600):  # idle connections that never send a head
            flood.append(_connect(daemon))
        time.sleep(1.5)  # past the grace a head gets before it can be shed
        result = daemon.cli("approvals", "list", "--json")
        assert result.returncode == 0, result.stderr
    finally:
        for sock in flood:
            sock.close()


def test_the_daemon_recovers_from_running_out_of_descriptors(
        approvald_exe: list[str], approvald_home: Path) -> None:
    limited = RunningDaemon(["sh", "-c", 'ulimit -n 200; exec "$0" "$@"', *approvald_exe],
                            approvald_home, APPROVALD_DOCTOR_WATCH="0").start()
    try:
        flood = []
        for _ in range(400):
            try:
                flood.append(_connect(limited))
            except OSError:
                break
        for sock in flood:
            sock.close()
        deadline = time.monotonic() + 20
        while True:
            result = limited.cli("status", "--json")
            if result.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert result.returncode == 0, (result.stderr, limited.log())
        assert limited.cli("approvals", "list").returncode == 0
    finally:
        limited.ensure_stopped()


def test_a_replayed_request_is_refused(daemon: RunningDaemon) -> None:
    token = daemon.paths.client_token_file.read_text().strip()
    body = hook_payload("ls")
    headers = signed(token, "POST", "/v1/hook/claude-code", body)
    request = (b"POST /v1/hook/claude-code HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
               + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    statuses = []
    for _ in range(2):
        sock = _connect(daemon)
        sock.sendall(request)
        statuses.append(_answer(sock)[:12])
        sock.close()
    assert statuses == [b"HTTP/1.1 200", b"HTTP/1.1 401"]


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    b'{"session_id": "s", "cwd": "/tmp", "tool_name": "Bash", '
    b'"tool_input": {"command": "echo \\ud800"}}',
    b'{"session_id": "s", "cwd": "/tmp", "tool_name": "Bash", '
    b'"tool_input": {"command": "ls", "timeout": NaN}}',
], ids=["lone-surrogate", "nan"])
def test_bad_input_is_a_clean_deny(daemon: RunningDaemon, raw: bytes) -> None:
    code, out, _ = run_hook(daemon.exe, daemon.env, raw)
    assert code == 0 and out is not None and out["permissionDecision"] == "deny"
    assert "\n" not in out["permissionDecisionReason"]
    assert "Traceback" not in daemon.log(), daemon.log()
    assert "Traceback" not in (daemon.paths.log_file.read_text()
                               if daemon.paths.log_file.exists() else "")


# -- the audit log ---------------------------------------------------------------------------------

def test_no_daemon_and_no_audit_log_means_nothing_is_allowed(approvald_exe: list[str],
                                                             approvald_home: Path) -> None:
    (approvald_home / "audit").write_text("not a directory")  # the log cannot be written
    env = env_for(approvald_home, APPROVALD_DOCTOR_WATCH="0")
    code, out, _ = run_hook(approvald_exe, env, hook_payload("ls"))
    assert code == 0 and out is not None and out["permissionDecision"] == "deny"
    assert "audit" in out["permissionDecisionReason"]


def test_the_daemon_allows_nothing_once_its_log_cannot_be_written(daemon: RunningDaemon) -> None:
    assert run_hook(daemon.exe, daemon.env, hook_payload("ls"))[:2] == (0, None)
    active = daemon.paths.audit_file
    active.unlink()
    active.mkdir()  # the next write fails
    code, out, _ = run_hook(daemon.exe, daemon.env, hook_payload("ls", session="s2"))
    assert code == 0 and out is not None and out["permissionDecision"] == "deny"
    assert "audit" in out["permissionDecisionReason"]


def _verify(daemon: RunningDaemon) -> subprocess.CompletedProcess[str]:
    return daemon.cli("audit", "verify")


def test_deleting_or_rewriting_the_whole_log_is_found(daemon: RunningDaemon) -> None:
    for command in ("ls", "pwd", "cat .env"):
        run_hook(daemon.exe, daemon.env, hook_payload(command))
    assert daemon.stop() == 0
    assert _verify(daemon).returncode == 0
    audit = daemon.paths.audit
    kept = audit.with_name("audit.kept")
    shutil.copytree(audit, kept)
    # Every file gone: not "ok, 0 records".
    shutil.rmtree(audit)
    gone = _verify(daemon)
    assert gone.returncode == 1 and "deleted" in gone.stdout + gone.stderr
    # A whole new chain with its own head, as long as the old one.
    fresh = AuditLog(audit)
    for _ in range(len(kept.joinpath("audit.jsonl").read_text().splitlines())):
        fresh.append({"event": "decision", "decision": "ALLOW", "summary": "nothing to see"})
    fresh.close()
    rewritten = _verify(daemon)
    assert rewritten.returncode == 1 and "rewritten" in rewritten.stdout, rewritten.stdout

