"""The dashboard keeps working with 50 pending approvals and 5,000 activity rows: keys act on
the right row, new requests arrive, the filter narrows, and activity stays capped. How fast it
does so is measured by benchmarks/bench_dashboard.py, not asserted here."""

from __future__ import annotations

from approvald_tui.widgets.activity import ACTIVITY_CAP
from tests.support.tui import (
    FakeDaemonClient,
    approval,
    big_dashboard_client,
    decision_event,
    make_app,
    until,
)


async def test_50_pending_and_5000_activity_rows_keep_working() -> None:
    client = big_dashboard_client()
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.activity.row_count == ACTIVITY_CAP, what="initial load")
        assert app.pending.row_count == 50

        for key in ("j", "j", "k", "enter", "escape", "2", "1"):
            await pilot.press(key)
        selected = app.pending.selected()
        assert selected is not None
        await pilot.press("a")
        await until(pilot, lambda: client.calls and app.pending.row_count == 49)
        assert client.calls[0][1] == selected["id"]

        client.push({"type": "approval.created", **approval(99, "terraform apply", age_s=0)})
        await until(pilot, lambda: "ap_0099" in app.pending.approvals)

        await pilot.press("slash", *"deny")
        await until(pilot, lambda: app.activity.row_count == ACTIVITY_CAP // 3 + 1,
                    what="filtered")


async def test_activity_is_capped_and_keeps_the_newest() -> None:
    client = FakeDaemonClient()
    app = make_app(client)
    total = ACTIVITY_CAP + 1500
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.state.connected)
        for i in range(total):
            client.push(decision_event(i, "ALLOW", f"echo {i}", seconds_ago=0))
        await until(pilot, lambda: len(app.activity.items) == ACTIVITY_CAP and str(
            app.activity.get_row_at(app.activity.row_count - 1)[5]) == f"echo {total - 1}",
            timeout=120, what="all events shown")
        assert app.activity.row_count <= ACTIVITY_CAP + app.activity.slack
        kept = [str(app.activity.items[i][1][5]) for i in (0, -1)]
        assert kept == [f"echo {total - ACTIVITY_CAP}", f"echo {total - 1}"]
