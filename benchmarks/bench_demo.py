"""How long `scripts/demo.sh` takes to reach the dashboard, in a real terminal (tmux).

The first run may install; every later run should skip the install (nothing changed) and show
the dashboard, connected to the demo's daemon, within 3 s. Prints each run's time, from
starting the script to the first screen that says `daemon connected`, and quits the demo with
`q` before the next run.

    .venv/bin/python benchmarks/bench_demo.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120.0


def _tmux(server: str, *args: str) -> str:
    done = subprocess.run(["tmux", "-L", server, *args], capture_output=True, text=True,
                          timeout=10)
    return done.stdout


def one_run() -> float:
    server = f"approvald-bench-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    _tmux(server, "new-session", "-d", "-s", "main", "-x", "120", "-y", "36",
          f"cd {REPO} && scripts/demo.sh --no-notify")
    try:
        while time.monotonic() - started < TIMEOUT_S:
            if "daemon connected" in _tmux(server, "capture-pane", "-p", "-t", "main"):
                return time.monotonic() - started
            time.sleep(0.02)
        raise SystemExit("the dashboard did not appear within "
                         f"{TIMEOUT_S:.0f} s:\n{_tmux(server, 'capture-pane', '-p')}")
    finally:
        _tmux(server, "send-keys", "-t", "main", "q")
        time.sleep(1.0)  # the demo stops its daemon and removes its home
        _tmux(server, "kill-server")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    if shutil.which("tmux") is None:
        print("needs tmux", file=sys.stderr)
        return 2
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.uname().machine} {sys.platform}, {os.cpu_count()} CPUs, "
          f"load average {load:.2f}")
    times = [one_run() for _ in range(opts.runs)]
    for number, seconds in enumerate(times, start=1):
        print(f"run {number}: scripts/demo.sh -> dashboard connected in {seconds:.2f} s")
    later = sorted(times[1:]) or times
    print(f"runs after the first: median {later[len(later) // 2]:.2f} s, "
          f"worst {later[-1]:.2f} s (target < 3 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
