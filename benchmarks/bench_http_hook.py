"""Claude Code's command hook against an HTTP hook, for the same decision (docs/HOOKS.md).

A command hook costs a process start per tool call; an HTTP hook would have Claude Code POST the
payload to the daemon. This runs a real daemon on loopback TCP and times, alternating so machine
noise hits all alike:

- `command`: `approvald hook claude-code [EVENT]` started per call, as Claude Code runs it;
- `http (node, keep-alive)`: Node's fetch (Claude Code is a Node program) POSTing to
  `/v1/hook/claude-code[/EVENT]` over one kept-alive connection;
- `http (new connection)`: the same POST on a fresh connection each time.

Each for PreToolUse (an allowed `ls -la`) and PostToolUse (a 4 KB Bash output with nothing to
redact). The HTTP requests carry approvald's client proof, which Claude Code could not compute
(an HTTP hook would need a route of its own); its cost is part of the numbers. Medians and p95
in milliseconds.

    .venv/bin/python benchmarks/bench_http_hook.py [--runs 50]
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_daemon import BenchDaemon, approvald_exe

from approvald.wire.protocol import (
    CLIENT_HEADER,
    body_digest,
    client_proof,
    hook_route,
    new_nonce,
)

NODE_CLIENT = r"""
const crypto = require("crypto");
const fs = require("fs");
const [url, route, tokenFile, payloadFile, runs] = process.argv.slice(2);
const token = fs.readFileSync(tokenFile, "utf8").trim();
const body = fs.readFileSync(payloadFile);
const digest = crypto.createHash("sha256").update(body).digest("hex");
async function main() {
  const times = [];
  for (let i = 0; i < Number(runs) + 3; i++) {
    const nonce = Date.now().toString(16).padStart(12, "0")
      + crypto.randomBytes(10).toString("hex");
    const proof = crypto.createHmac("sha256", token)
      .update(`client:${nonce}:POST ${route}:${digest}`).digest("hex");
    const started = process.hrtime.bigint();
    const res = await fetch(url + route, {method: "POST", body,
      headers: {"Content-Type": "application/json", "X-Approvald-Client": `${nonce}.${proof}`}});
    await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    if (i >= 3) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  process.stdout.write(JSON.stringify(times));
}
main().catch((e) => { console.error(e); process.exit(1); });
"""


def _payloads() -> dict[str | None, bytes]:
    common = {"session_id": "bench", "transcript_path": "/tmp/bench.jsonl", "cwd": "/tmp",
              "permission_mode": "default", "tool_name": "Bash",
              "tool_input": {"command": "ls -la", "description": "list"},
              "tool_use_id": "toolu_bench"}
    output = "".join(f"-rw-r--r-- 1 dev dev {i * 37:6d} Jun  2 09:30 file{i:04d}.txt\n"
                     for i in range(80))[:4096]
    return {
        None: json.dumps({**common, "hook_event_name": "PreToolUse"}).encode(),
        "PostToolUse": json.dumps({**common, "hook_event_name": "PostToolUse",
                                   "tool_response": {"stdout": output, "stderr": "",
                                                     "interrupted": False,
                                                     "isImage": False}}).encode(),
    }


def _command(env: dict[str, str], event: str | None, payload: bytes) -> float:
    cmd = [*approvald_exe(), "hook", "claude-code", *([event] if event else [])]
    started = time.perf_counter()
    proc = subprocess.run(cmd, input=payload, env=env, capture_output=True, timeout=60)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or proc.stdout.strip():
        raise SystemExit(f"{cmd}: exit {proc.returncode}, {proc.stdout[:200]!r}")
    return elapsed * 1000


def _fresh_connection(host: str, port: int, token: str, route: str, payload: bytes) -> float:
    nonce = new_nonce()
    proof = client_proof(token, nonce, "POST", route, body_digest(payload))
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("POST", route, body=payload, headers={
        "Content-Type": "application/json", CLIENT_HEADER: f"{nonce}.{proof}",
        "Connection": "close"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


def _node(url: str, route: str, token_file: Path, payload: bytes, runs: int) -> list[float]:
    scratch = Path(tempfile.mkdtemp(prefix="adb-node-"))
    try:
        (scratch / "client.js").write_text(NODE_CLIENT)
        (scratch / "payload.json").write_bytes(payload)
        out = subprocess.run(["node", str(scratch / "client.js"), url, route, str(token_file),
                              str(scratch / "payload.json"), str(runs)],
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise SystemExit(f"node: {out.stderr[-500:]}")
        times: list[float] = json.loads(out.stdout)
        return times
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"median {statistics.median(values):7.2f} ms   p95 {p95:7.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    opts = parser.parse_args()
    node = shutil.which("node") is not None
    with BenchDaemon(APPROVALD_TRANSPORT="tcp") as daemon:
        endpoint = daemon.paths.endpoint_file.read_text().strip()
        host, port = endpoint.removeprefix("tcp://").rsplit(":", 1)
        token_file = daemon.paths.client_token_file
        token = token_file.read_text().strip()
        results: dict[str, list[float]] = {}
        for event, payload in _payloads().items():
            name = event or "PreToolUse"
            route = hook_route("claude-code", event)
            for _ in range(3):  # warm the page cache and the daemon
                _command(daemon.env, event, payload)
                _fresh_connection(host, int(port), token, route, payload)
            fresh: list[float] = []
            command: list[float] = []
            for _ in range(opts.runs):
                command.append(_command(daemon.env, event, payload))
                fresh.append(_fresh_connection(host, int(port), token, route, payload))
            results[f"{name:<12} command hook           "] = command
            results[f"{name:<12} http (new connection)  "] = fresh
            if node:
                results[f"{name:<12} http (node, keep-alive)"] = _node(
                    f"http://{host}:{port}", route, token_file, payload, opts.runs)
    print(f"runs each: {opts.runs}   (node {'found' if node else 'missing: keep-alive skipped'})")
    for label, values in results.items():
        print(f"{label}  {_summary(values)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
