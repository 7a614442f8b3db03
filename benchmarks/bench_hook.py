"""The hook's round trip for an allowed action, for every agent, beside a bare `python -c pass`.

Runs a real daemon in a temporary home, then alternates the commands (so machine noise hits all
alike) and prints medians: each agent's `approvald hook AGENT` with its own payload for `ls -la`
(built by `approvald.demo.agents`), its ratio to Claude Code's, and Claude Code's to python's
start. Targets: hook <= 2x python start; every agent within 10% of Claude Code.

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

from approvald.agents import AGENTS
from approvald.demo.agents import ALLOW, simulated

BASELINE = "claude-code"


Run = subprocess.CompletedProcess[bytes]


def timed(cmd: list[str], env: dict[str, str], stdin: bytes = b"") -> tuple[float, Run]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, env=env, capture_output=True, timeout=60)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed, proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    opts = parser.parse_args()
    payloads = {name: json.dumps(simulated(name).shell("ls -la", "/tmp", "bench")).encode()
                for name in AGENTS}
    hooks = {name: [*approvald_exe(), "hook", name] for name in AGENTS}
    bare = [sys.executable, "-c", "pass"]
    times: dict[str, list[float]] = {name: [] for name in [*AGENTS, "python"]}
    with BenchDaemon() as daemon:
        env = daemon.env
        for name in AGENTS:
            _, proc = timed(hooks[name], env, payloads[name])
            answer = simulated(name).answer(proc.stdout.decode(), proc.stderr.decode(), 0)
            if answer[0] != ALLOW:
                raise SystemExit(f"{name}: `ls -la` was not allowed through: {answer}")
        for _ in range(3):  # warm the page cache for all
            for name in AGENTS:
                timed(hooks[name], env, payloads[name])
            timed(bare, env)
        for _ in range(opts.runs):
            for name in AGENTS:
                times[name].append(timed(hooks[name], env, payloads[name])[0])
            times["python"].append(timed(bare, env)[0])
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    print(f"runs each:                     {opts.runs}")
    print(f"python -c pass (median):       {median['python']:7.1f} ms")
    for name in AGENTS:
        ratio = median[name] / median[BASELINE]
        print(f"hook {name:<12} (median):  {median[name]:7.1f} ms   "
              f"{ratio:5.2f}x {BASELINE}")
    print(f"ratio {BASELINE} / python start: {median[BASELINE] / median['python']:6.2f}x   "
          "(target <= 2.00x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
