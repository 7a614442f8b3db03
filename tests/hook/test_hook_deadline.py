"""Issue 11: nothing a daemon (or what pretends to be one) does makes the hook fail open.

Real hook processes against fake servers on the hook's socket: one that never answers, one that
trickles header bytes, one that answers `200` with an empty body (Claude Code's "allow") but
cannot prove it is the daemon; and no daemon while the local analysis runs away. Each must end
in deny or ask, before the timeout install wrote for the agent (here a short one, in
config.toml), the contract's bound."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import as_agent, env_for, hook_payload
from tests.support.payloads import write_npm_bomb

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="Unix socket")]

HOOK_TIMEOUT_S = 15  # what install would write, from config.toml


class FakeServer:
    """A Unix socket where something other than the daemon answers, as `behaviour` says."""

    def __init__(self, path: Path, behaviour: str):
        self.path = path
        self.behaviour = behaviour
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(8)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        held = []
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            held.append(conn)
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()
        for conn in held:
            conn.close()

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            if self.behaviour == "silent":
                self.stop.wait(60)
            elif self.behaviour == "trickle":
                for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 10_000:
                    if self.stop.wait(0.5):
                        return
                    conn.sendall(bytes([byte]))
            elif self.behaviour == "empty-200":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            elif self.behaviour == "no-length":
                conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
                conn.close()
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def home(approvald_home: Path) -> Path:
    (approvald_home / "config.toml").write_text(f"hook_timeout_s = {HOOK_TIMEOUT_S}\n")
    (approvald_home / "state").mkdir(exist_ok=True)
    # A client token, as a daemon would have left: the fakes cannot prove it.
    (approvald_home / "state" / "client.token").write_text("the-daemons-client-token\n")
    return approvald_home


@pytest.fixture
def fake(home: Path, request: pytest.FixtureRequest) -> Iterator[FakeServer]:
    (home / "run").mkdir(exist_ok=True)
    server = FakeServer(home / "run" / "approvald.sock", request.param)
    yield server
    server.close()


def _hook(exe: list[str], home: Path, payload: bytes) -> tuple[dict[str, str], float]:
    started = time.monotonic()
    proc = subprocess.run(as_agent([*exe, "hook", "claude-code"]), input=payload,
                          env=env_for(home, APPROVALD_DOCTOR_WATCH="0"), capture_output=True,
                          timeout=HOOK_TIMEOUT_S)  # the agent's own timeout: past it, "proceed"
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip(), "empty output is Claude Code's allow"
    answer: dict[str, str] = json.loads(proc.stdout)["hookSpecificOutput"]
    return answer, elapsed


@pytest.mark.parametrize("fake", ["silent", "trickle", "empty-200", "no-length"], indirect=True)
def test_what_is_not_the_daemon_never_allows(approvald_exe: list[str], home: Path,
                                             fake: FakeServer) -> None:
    answer, elapsed = _hook(approvald_exe, home, hook_payload("rm -rf /"))
    # The local check denies it; on a machine too loaded to finish that check before the
    # deadline, the hook asks the person instead. Never an allow.
    assert answer["permissionDecision"] in ("deny", "ask"), answer
    print(f"\n{fake.behaviour}: answered in {elapsed:.2f} s (install wrote {HOOK_TIMEOUT_S} s)")
    # A command policy would ask about: the local check asks (no_daemon = "ask").
    answer, _ = _hook(approvald_exe, home, hook_payload("git push --force origin main"))
    assert answer["permissionDecision"] in ("ask", "deny"), answer


def test_a_runaway_local_analysis_ends_in_ask_in_time(approvald_exe: list[str], home: Path,
                                                      tmp_path: Path) -> None:
    """No daemon; the local check meets the analysis bomb of the issue (package scripts 44
    wide and 4 deep behind a 9-byte `npm run a`)."""
    project = tmp_path / "bomb"
    project.mkdir()
    write_npm_bomb(project)
    answer, elapsed = _hook(approvald_exe, home,
                            hook_payload("npm run a", cwd=str(project), session="bomb"))
    assert answer["permissionDecision"] in ("ask", "deny"), answer
    print(f"\nlocal bomb: answered in {elapsed:.2f} s (install wrote {HOOK_TIMEOUT_S} s)")

