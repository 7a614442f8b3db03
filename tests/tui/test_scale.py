"""The dashboard stays responsive with 50 pending approvals and 5,000 activity rows.

Bounds are loose (CI machines are slow and shared); the measured numbers are printed (-s).
"""

from __future__ import annotations

import time

from approvald_tui.widgets.activity import ACTIVITY_CAP
from tests.support.tui import FakeDaemonClient, approval, decision_event, make_app, until

KEY_BUDGET_S = 3.0  # generous: CI runners are shared and run tests in parallel; quiet: ~0.1-0.5 s
LOAD_BUDGET_S = 10.0


def big_client() -> FakeDaemonClient:
    pending = [approval(i, f"git push origin feature-{i}", age_s=600 - i, timeout_s=900)
               for i in range(50)]
    activity = [decision_event(i, ("ALLOW", "DENY", "REQUIRE_APPROVAL")[i % 3],
                               f"npm run task-{i}", seconds_ago=6000 - i)
                for i in range(ACTIVITY_CAP)]
    return FakeDaemonClient(pending=pending, activity=activity)


async def test_50_pending_and_5000_activity_rows_stay_responsive() -> None:
    client = big_client()
    app = make_app(client)
    started = time.perf_counter()
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.activity.row_count == ACTIVITY_CAP, timeout=LOAD_BUDGET_S,
                    what="initial load")
        load_s = time.perf_counter() - started
        assert app.pending.row_count == 50

        timings: dict[str, float] = {}
        for key in ("j", "j", "k", "enter", "escape", "2", "1"):
            t0 = time.perf_counter()
            await pilot.press(key)
            timings[key] = max(timings.get(key, 0.0), time.perf_counter() - t0)

        t0 = time.perf_counter()
        await pilot.press("a")
        await until(pilot, lambda: client.calls and app.pending.row_count == 49)
        timings["a"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        client.push({"type": "approval.created", **approval(99, "terraform apply", age_s=0)})
        await until(pilot, lambda: "ap_0099" in app.pending.approvals)
        timings["arrival"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        await pilot.press("slash", *"deny")
        await until(pilot, lambda: app.activity.row_count == ACTIVITY_CAP // 3 + 1,
                    what="filtered")
        timings["filter (incl. 150 ms debounce)"] = time.perf_counter() - t0

        print(f"\nload 50 pending + {ACTIVITY_CAP} activity: {load_s:.2f} s; " + ", ".join(
            f"{k}: {v * 1000:.0f} ms" for k, v in timings.items()))
        assert load_s < LOAD_BUDGET_S
        for key, seconds in timings.items():
            assert seconds < (2 * KEY_BUDGET_S if key.startswith("filter") else KEY_BUDGET_S), (
                key, seconds)


async def test_activity_is_capped_and_keeps_the_newest() -> None:
    client = FakeDaemonClient()
    app = make_app(client)
    total = ACTIVITY_CAP + 1500
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.state.connected)
        t0 = time.perf_counter()
        for i in range(total):
            client.push(decision_event(i, "ALLOW", f"echo {i}", seconds_ago=0))
        await until(pilot, lambda: len(app.activity.items) == ACTIVITY_CAP and str(
            app.activity.get_row_at(app.activity.row_count - 1)[5]) == f"echo {total - 1}",
            timeout=30, what="all events shown")
        seconds = time.perf_counter() - t0
        print(f"\n{total} decision events through the stream into the table: {seconds:.2f} s "
              f"({total / seconds:.0f}/s)")
        assert app.activity.row_count <= ACTIVITY_CAP + app.activity.slack
        kept = [str(app.activity.items[i][1][5]) for i in (0, -1)]
        assert kept == [f"echo {total - ACTIVITY_CAP}", f"echo {total - 1}"]
        t0 = time.perf_counter()
        await pilot.press("j")
        assert time.perf_counter() - t0 < KEY_BUDGET_S
