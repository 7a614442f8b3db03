"""The daemon under load: decisions/s from 20 concurrent clients, an operator's decision to the
waiting hook's exit, and idle memory. Prints figures; a real daemon runs in a temporary home.

    .venv/bin/python benchmarks/bench_daemon.py [--clients 20] [--seconds 3] [--latency-runs 20]

Targets: >= 1,000 decisions/s; < 100 ms from decision to hook exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from approvald.paths import Paths, get_paths
from approvald.wire.client import DaemonClient
from approvald.wire.errors import DaemonUnavailable


def approvald_exe() -> list[str]:
    exe = shutil.which("approvald", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "approvald"]


# Hooks run under a stand-in agent process, as an agent runs them: the daemon takes a hook's
# parent for the agent and refuses its processes the operator's side, and this benchmark
# decides approvals as the person.
STAND_IN_AGENT = [sys.executable, "-c",
                  "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"]


def hook_payload(command: str, session: str = "bench") -> bytes:
    return json.dumps({
        "session_id": session, "transcript_path": "/tmp/t.jsonl", "cwd": "/tmp",
        "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": command}, "tool_use_id": "toolu_bench",
    }).encode()


class BenchDaemon:
    """A real `approvald daemon` in a temporary home (also used by bench_hook.py)."""

    def __init__(self, **env: str):
        self.home = Path(tempfile.mkdtemp(prefix="adb-", dir="/tmp"))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("APPROVALD_")}
        # An installed wheel has its bytecode compiled; measure that, not compiling on each start.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["APPROVALD_HOME"] = str(self.home)
        self.env.update(env)
        self.paths: Paths = get_paths(self.env)
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BenchDaemon:
        self.proc = subprocess.Popen([*approvald_exe(), "daemon"], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = DaemonClient(self.paths, timeout=2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                client.status()
                return self
            except DaemonUnavailable:
                time.sleep(0.05)
        raise SystemExit("the daemon did not start within 30 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.home, ignore_errors=True)

    def client(self) -> DaemonClient:
        return DaemonClient(self.paths, timeout=30)

    def rss_kib(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return -1


# -- throughput -------------------------------------------------------------------------------

async def _one_decision(socket_path: str, request: bytes) -> bool:
    """One decision on its own connection, as a hook makes it."""
    reader, writer = await asyncio.open_unix_connection(socket_path)
    try:
        writer.write(request)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    return data.startswith(b"HTTP/1.1 200")


async def _client_loop(socket_path: str, deadline: float, counts: list[int], index: int,
                       commands: list[str]) -> None:
    n = 0
    while time.monotonic() < deadline:
        command = commands[n % len(commands)]
        body = json.dumps({"agent": "claude-code", "wait": False,
                           "payload": json.loads(hook_payload(command, f"s{index}"))}).encode()
        request = (b"POST /v1/decide HTTP/1.1\r\nHost: approvald\r\nConnection: close\r\n"
                   b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                   % (len(body), body))
        if not await _one_decision(socket_path, request):
            raise SystemExit("a decision failed")
        n += 1
    counts[index] = n


def throughput(daemon: BenchDaemon, clients: int, seconds: float) -> float:
    commands = ["ls -la", "git status", "npm test", "cat README.md", "cat .env",
                "python -m pytest -q", "grep -r TODO src"]
    counts = [0] * clients

    async def run() -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_client_loop(str(daemon.paths.unix_socket), deadline, counts, i,
                                            commands) for i in range(clients)))

    started = time.monotonic()
    asyncio.run(run())
    return sum(counts) / (time.monotonic() - started)


# -- decision to hook exit --------------------------------------------------------------------

def decision_to_exit(daemon: BenchDaemon, runs: int) -> list[float]:
    client = daemon.client()
    hook = [*STAND_IN_AGENT, *approvald_exe(), "hook", "claude-code"]
    latencies = []
    for i in range(runs):
        proc = subprocess.Popen(hook, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=daemon.env)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(hook_payload(f"git push origin branch-{i}"))
        proc.stdin.close()
        deadline = time.monotonic() + 30
        pending: list[dict[str, object]] = []
        while not pending and time.monotonic() < deadline:
            pending = client.approvals()
            if not pending:
                time.sleep(0.01)
        if not pending:
            proc.kill()
            raise SystemExit("the hook's approval never showed up")
        started = time.perf_counter()
        client.approve(str(pending[0]["id"]))
        proc.wait(30)
        latencies.append(time.perf_counter() - started)
        out = proc.stdout.read()
        proc.stdout.close()
        if b'"allow"' not in out:
            raise SystemExit(f"the approved hook did not answer allow: {out!r}")
    return latencies


# -- approval push latency -------------------------------------------------------------------

class EventStream:
    """A dashboard's view: the daemon's server-sent events on a raw Unix socket."""

    def __init__(self, daemon: BenchDaemon):
        token = daemon.paths.token_file.read_text().strip()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(str(daemon.paths.unix_socket))
        self.sock.sendall(b"GET /v1/events HTTP/1.1\r\nHost: approvald\r\n"
                          b"Authorization: Bearer " + token.encode() + b"\r\n\r\n")
        self.buffer = b""
        self.next_event("hello")

    def next_event(self, wanted: str) -> None:
        marker = b"event: " + wanted.encode()
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("the event stream closed")
            self.buffer += chunk
        self.buffer = self.buffer.split(marker, 1)[1]

    def close(self) -> None:
        self.sock.close()


def push_latency(daemon: BenchDaemon, runs: int) -> tuple[list[float], list[float]]:
    """(request sent -> approval.created on the stream, hook process start -> the same)."""
    client = daemon.client()
    stream = EventStream(daemon)
    from_request, from_spawn = [], []
    try:
        for i in range(runs):
            body = json.dumps({"agent": "claude-code", "wait": False, "payload": json.loads(
                hook_payload(f"git push origin push-{i}", "push"))}).encode()
            request = (b"POST /v1/decide HTTP/1.1\r\nHost: approvald\r\nConnection: close\r\n"
                       b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                       % (len(body), body))
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(str(daemon.paths.unix_socket))
                started = time.perf_counter()
                sock.sendall(request)
                stream.next_event("approval.created")
                from_request.append(time.perf_counter() - started)
            started = time.perf_counter()
            proc = subprocess.Popen([*STAND_IN_AGENT, *approvald_exe(), "hook", "claude-code"],
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=daemon.env)
            assert proc.stdin is not None
            proc.stdin.write(hook_payload(f"git push origin hook-{i}", "push"))
            proc.stdin.close()
            stream.next_event("approval.created")
            from_spawn.append(time.perf_counter() - started)
            for approval in client.approvals():
                client.deny(str(approval["id"]))
            proc.wait(30)
    finally:
        stream.close()
    return from_request, from_spawn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--latency-runs", type=int, default=20)
    opts = parser.parse_args()
    with BenchDaemon() as daemon:
        time.sleep(2)
        idle = daemon.rss_kib()
        throughput(daemon, opts.clients, 0.5)  # warm up
        rate = throughput(daemon, opts.clients, opts.seconds)
        loaded = daemon.rss_kib()
        latencies = decision_to_exit(daemon, opts.latency_runs)
        pushed, spawned = push_latency(daemon, opts.latency_runs)
    print(f"decisions/s, {opts.clients} concurrent clients, {opts.seconds:.0f} s: "
          f"{rate:8.0f}   (target >= 1000)")
    print(f"decision -> hook exit, median of {len(latencies)}:        "
          f"{statistics.median(latencies) * 1000:8.1f} ms (max {max(latencies) * 1000:.1f} ms;"
          f" target < 100 ms)")
    print(f"approval push, request -> event stream, median: "
          f"{statistics.median(pushed) * 1000:8.1f} ms (max {max(pushed) * 1000:.1f} ms;"
          f" target < 100 ms)")
    print(f"approval push, hook start -> event stream, median: "
          f"{statistics.median(spawned) * 1000:5.1f} ms (max {max(spawned) * 1000:.1f} ms;"
          f" includes the hook process start)")
    print(f"idle daemon RSS:                                {idle / 1024:8.1f} MiB "
          f"(after the load: {loaded / 1024:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
