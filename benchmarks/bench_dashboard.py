"""How fast the dashboard answers with a full screen: 50 pending approvals and a full activity
table, then a flood of decision events; and how fast the shell analysis finishes 10 MB lines.

    .venv/bin/python benchmarks/bench_dashboard.py

The tests (tests/tui/test_scale.py, tests/shell/test_properties.py) check that these work; the
times are measured here, in one run, beside the cost of a bare `python -c pass`.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.tui import (
    FakeDaemonClient,
    approval,
    big_dashboard_client,
    decision_event,
    make_app,
    until,
)

from approvald.shell import analyze
from approvald_tui.widgets.activity import ACTIVITY_CAP


async def full_screen() -> dict[str, float]:
    client = big_dashboard_client()
    app = make_app(client)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.activity.row_count == ACTIVITY_CAP)
        timings[f"load 50 pending + {ACTIVITY_CAP} activity"] = time.perf_counter() - started
        for key in ("j", "k", "enter", "escape", "2", "1"):
            t0 = time.perf_counter()
            await pilot.press(key)
            timings[f"key {key}"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        await pilot.press("a")
        await until(pilot, lambda: client.calls and app.pending.row_count == 49)
        timings["a (approve, row gone)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        client.push({"type": "approval.created", **approval(99, "terraform apply", age_s=0)})
        await until(pilot, lambda: "ap_0099" in app.pending.approvals)
        timings["a new request shown"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        await pilot.press("slash", *"deny")
        await until(pilot, lambda: app.activity.row_count == ACTIVITY_CAP // 3 + 1)
        timings["filter (150 ms debounce included)"] = time.perf_counter() - t0
    return timings


async def flood(total: int) -> float:
    client = FakeDaemonClient()
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.state.connected)
        t0 = time.perf_counter()
        for i in range(total):
            client.push(decision_event(i, "ALLOW", f"echo {i}", seconds_ago=0))
        await until(pilot, lambda: app.activity.row_count > 0 and str(
            app.activity.get_row_at(app.activity.row_count - 1)[5]) == f"echo {total - 1}",
            timeout=300)
        return time.perf_counter() - t0


def huge_lines() -> dict[str, float]:
    timings = {}
    for name, line in (("10 MB of `a;`", "a;" * 5_000_000),
                       ("10 MB echo argument", "echo " + "x" * 10_000_000),
                       ("10 MB of git arguments", "git " + "ab " * 3_300_000)):
        t0 = time.perf_counter()
        analyze(line, "/repo")
        timings[name] = time.perf_counter() - t0
    return timings


def main() -> int:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - t0
    print(f"python -c pass: {bare * 1000:.0f} ms")
    for name, seconds in asyncio.run(full_screen()).items():
        print(f"{name:<40} {seconds * 1000:8.0f} ms")
    total = ACTIVITY_CAP + 1500
    seconds = asyncio.run(flood(total))
    print(f"{total} decision events into the table:    {seconds * 1000:8.0f} ms "
          f"({total / seconds:.0f}/s)")
    for name, seconds in huge_lines().items():
        print(f"shell analysis, {name:<24} {seconds * 1000:8.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
