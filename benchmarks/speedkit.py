"""What bench_speed.py drives approvald with: a stand-in agent process that runs and times
commands, a load of concurrent hook clients, and the dashboard in a pseudo terminal.

Standard library only (the same script measures older checkouts).
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from typing import Any

# The stand-in agent: runs each command it is sent (argv, env, stdin) and times it itself, so
# the hook's parent is a process that is neither a shell nor the benchmark (the daemon takes
# a hook's parent for the agent and refuses it the operator's side; the dashboard is started
# by the benchmark, outside this tree).
RUNNER = r"""
import json, subprocess, sys, time
for line in sys.stdin:
    job = json.loads(line)
    started = time.perf_counter()
    proc = subprocess.run(job["argv"], input=job["stdin"].encode(), env=job["env"],
                          capture_output=True, timeout=job["timeout"])
    seconds = time.perf_counter() - started
    print(json.dumps([seconds, proc.returncode, proc.stdout.decode(errors="replace"),
                      proc.stderr.decode(errors="replace")[-2000:]]), flush=True)
"""


class AgentRunner:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", RUNNER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, argv: list[str], env: dict[str, str], stdin: str = "",
            timeout: float = 600) -> tuple[float, int, str, str]:
        """(seconds, exit code, stdout, stderr) of one run, timed by the stand-in agent."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        job = {"argv": argv, "env": env, "stdin": stdin, "timeout": timeout}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the stand-in agent died running {argv}")
        seconds, code, out, err = json.loads(line)
        return float(seconds), int(code), str(out), str(err)

    def __enter__(self) -> AgentRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def hook_payload(command: str, session: str = "bench", cwd: str = "/tmp") -> str:
    return json.dumps({"session_id": session, "transcript_path": "/tmp/t.jsonl", "cwd": cwd,
                       "permission_mode": "default", "hook_event_name": "PreToolUse",
                       "tool_name": "Bash", "tool_input": {"command": command},
                       "tool_use_id": "toolu_bench"})


# -- many hooks at once ------------------------------------------------------------------------

# Concurrent clients, each sending what a Claude Code hook sends (`/v1/hook/claude-code`, the
# payload as it is, signed with the client token), one request per connection, one after
# another. Commands the starter policy allows or denies (nothing waits for a person). One
# process with non-blocking sockets and a selector, so the load itself costs little CPU beside
# the daemon it measures (2 cores here).
LOAD = r"""
import errno, hashlib, hmac, json, selectors, socket, sys, time, os
path, token = sys.argv[1], sys.argv[2].encode()
clients, seconds = int(sys.argv[3]), float(sys.argv[4])
COMMANDS = ["ls -la", "git status", "cat README.md", "grep -r TODO src", "git log --oneline -5",
            "npm test", "cat .env"]
TARGET = "/v1/hook/claude-code"
KEY = hmac.new(token, digestmod=hashlib.sha256)

def request(i, n):
    body = json.dumps({"session_id": f"s{i}", "transcript_path": "/tmp/t.jsonl", "cwd": "/tmp",
                       "permission_mode": "default", "hook_event_name": "PreToolUse",
                       "tool_name": "Bash",
                       "tool_input": {"command": COMMANDS[n % len(COMMANDS)]},
                       "tool_use_id": f"toolu_{i}_{n}"}).encode()
    nonce = f"{int(time.time() * 1000):012x}{os.urandom(10).hex()}"
    mac = KEY.copy()
    mac.update(f"client:{nonce}:POST {TARGET}:{hashlib.sha256(body).hexdigest()}".encode())
    return (f"POST {TARGET} HTTP/1.1\r\nHost: approvald\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Approvald-Client: {nonce}.{mac.hexdigest()}\r\n\r\n").encode() + body

def run(span):
    sel = selectors.DefaultSelector()
    latencies, failures = [], []
    deadline = time.monotonic() + span
    waiting = list(range(clients))  # clients about to dial
    sent = [0] * clients
    active = 0
    while waiting or active:
        while waiting and time.monotonic() < deadline:
            i = waiting.pop()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.setblocking(False)
            try:
                sock.connect(path)
            except BlockingIOError:  # the listen queue is full: dial again soon
                sock.close()
                waiting.insert(0, i)
                break
            sel.register(sock, selectors.EVENT_WRITE, [i, request(i, sent[i]), b"",
                                                       time.perf_counter()])
            sent[i] += 1
            active += 1
        if not active:
            if waiting and time.monotonic() < deadline:
                time.sleep(0.001)
                continue
            break
        for key, events in sel.select(0.5):
            state = key.data
            sock = key.fileobj
            if events & selectors.EVENT_WRITE:
                done = sock.send(state[1])
                state[1] = state[1][done:]
                if not state[1]:
                    sel.modify(sock, selectors.EVENT_READ, state)
                continue
            data = sock.recv(65536)
            if data:
                state[2] += data
                continue
            sel.unregister(sock)
            sock.close()
            active -= 1
            latencies.append(time.perf_counter() - state[3])
            if not state[2].startswith(b"HTTP/1.1 200"):
                failures.append(state[2][:300].decode(errors="replace"))
            if time.monotonic() < deadline:
                waiting.append(state[0])
    return latencies, failures

run(min(1.0, seconds / 2))  # warm up
started = time.monotonic()
latencies, failures = run(seconds)
elapsed = time.monotonic() - started
latencies.sort()
print(json.dumps({"rate": len(latencies) / elapsed, "count": len(latencies),
                  "p50": latencies[len(latencies) // 2],
                  "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                  "failures": failures[:3], "failed": len(failures)}))
"""


def run_load(runner: AgentRunner, python: str, home: Any, clients: int,
             seconds: float) -> dict[str, Any]:
    """Decisions/s and latencies of `clients` concurrent hook clients against home's daemon."""
    _, code, out, err = runner.run([sys.executable, "-c", LOAD, home.socket, home.client_token,
                                    str(clients), str(seconds)], home.env)
    if code != 0:
        raise SystemExit(f"the load failed: {err}")
    result: dict[str, Any] = json.loads(out)
    if result["failed"]:
        raise SystemExit(f"{result['failed']} of {result['count']} decisions failed: "
                         f"{result['failures']}")
    return result


# -- the dashboard ------------------------------------------------------------------------------

_ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
CONNECTED = b"daemon connected"


def _read(fd: int, wait: float) -> bytes:
    if select.select([fd], [], [], wait)[0]:
        try:
            return os.read(fd, 65536)
        except OSError:  # the other end closed
            return b""
    return b""


def dashboard_until_connected(exe: str, env: dict[str, str], stops_daemon: bool = False,
                              limit_s: float = 60) -> float:
    """Seconds from `approvald tui` starting to its screen showing "daemon connected", in a
    pseudo terminal; then `q` quits it (`stops_daemon`: and it stops the daemon it started)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    started = time.perf_counter()
    proc = subprocess.Popen([exe, "tui", "--no-notify"], stdin=slave, stdout=slave,
                            stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    screen = b""
    seconds = None
    try:
        deadline = time.monotonic() + limit_s
        while seconds is None and time.monotonic() < deadline:
            chunk = _read(master, 0.05)
            if chunk:
                screen = (screen + chunk)[-65536:]
                if CONNECTED in _ESCAPES.sub(b"", screen):
                    seconds = time.perf_counter() - started
            elif proc.poll() is not None:
                break
        if seconds is None:
            raise SystemExit("the dashboard never showed 'daemon connected': "
                             f"{_ESCAPES.sub(b'', screen)[-400:]!r}")
        os.write(master, b"q")
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            _read(master, 0.05)  # keep reading: a full terminal would stall it
        if proc.poll() is None:
            raise SystemExit("the dashboard did not quit on q")
        if stops_daemon and proc.returncode != 0:
            raise SystemExit(f"the dashboard exited {proc.returncode}")
        return seconds
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
