"""The hook's round trip for an allowed action, beside a bare `python -c pass`.

Runs a real daemon in a temporary home, then alternates the two commands (so machine noise
hits both alike) and prints medians. Target: hook <= 2x python start.

    .venv/bin/python benchmarks/bench_hook.py [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_daemon import BenchDaemon, approvald_exe

PAYLOAD = json.dumps({
    "session_id": "bench", "transcript_path": "/tmp/t.jsonl", "cwd": "/tmp",
    "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
    "tool_input": {"command": "ls -la"}, "tool_use_id": "toolu_bench",
}).encode()


def timed(cmd: list[str], env: dict[str, str], stdin: bytes = b"") -> tuple[float, bytes]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, env=env, capture_output=True, timeout=60)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed, proc.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    opts = parser.parse_args()
    hook = [*approvald_exe(), "hook", "claude-code"]
    bare = [sys.executable, "-c", "pass"]
    with BenchDaemon() as daemon:
        env = daemon.env
        _, out = timed(hook, env, PAYLOAD)
        if out.strip():
            raise SystemExit(f"`ls -la` was not allowed through: {out.decode()}")
        for _ in range(3):  # warm the page cache for both
            timed(hook, env, PAYLOAD)
            timed(bare, env)
        hook_times, bare_times = [], []
        for _ in range(opts.runs):
            hook_times.append(timed(hook, env, PAYLOAD)[0])
            bare_times.append(timed(bare, env)[0])
    hook_ms = statistics.median(hook_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    print(f"runs each:                    {opts.runs}")
    print(f"python -c pass (median):      {bare_ms:7.1f} ms")
    print(f"hook, allowed action (median): {hook_ms:6.1f} ms   ({' '.join(hook[-3:])})")
    print(f"ratio hook / python start:    {hook_ms / bare_ms:7.2f}x   (target <= 2.00x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
