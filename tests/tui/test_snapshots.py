"""Screenshots of the main screens at a fixed size, compared with the committed SVGs.

Deterministic: the clock is frozen (ages and countdowns), times are shown in UTC, the data is
fixed. Regenerate after an intended change with
`pytest tests/tui/test_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.support.tui import (
    FakeDaemonClient,
    approval,
    changed_pin,
    decision_event,
    edit_approval,
    make_app,
    pinned_pin,
    push_approval,
    terraform_approval,
    until,
)

SIZE = (120, 36)


def sample_client() -> FakeDaemonClient:
    fetch = approval(4, "https://registry.example.com/api/publish", tool="WebFetch",
                     kind="net.http", age_s=2, rules=("net-unknown-host",),
                     reason="Fetching from a host the policy does not know.",
                     tool_input={"url": "https://registry.example.com/api/publish",
                                 "method": "GET", "prompt": "read the API docs"})
    activity = [
        decision_event(1, "ALLOW", "npm test", seconds_ago=50, rules=()),
        decision_event(2, "ALLOW", "git status", seconds_ago=45),
        decision_event(3, "DENY", "/home/dev/src/webshop/.env", seconds_ago=40, tool="Read",
                       rules=("secrets-read",), reason="Reading secrets is not allowed."),
        decision_event(4, "REQUIRE_APPROVAL", "git fetch && git push origin main",
                       seconds_ago=35, rules=("git-push",),
                       reason="Pushing to a remote needs a person's approval."),
        decision_event(5, "ALLOW", "terraform plan", seconds_ago=25),
        decision_event(6, "REQUIRE_APPROVAL", "terraform -chdir=infra apply -auto-approve",
                       seconds_ago=20, rules=("terraform-apply",),
                       reason="terraform apply changes real infrastructure."),
    ]
    decided = [approval(9, "npm publish", age_s=300, status="approved", scope="once",
                        decided_by="dashboard", decided_at="2025-06-02T09:26:00Z",
                        rules=("package-publish",))]
    return FakeDaemonClient(pending=[push_approval(), terraform_approval(), edit_approval(),
                                     fetch], decided=decided, activity=activity)


async def wait_connected(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: pilot.app.state.connected, what="connection")  # type: ignore[attr-defined]
    await pilot.pause(0.1)


def test_main_screen_with_pending(snap_compare: Any) -> None:
    assert snap_compare(make_app(sample_client()), terminal_size=SIZE,
                        run_before=wait_connected)


def test_detail_screen_with_diff(snap_compare: Any) -> None:
    async def open_edit(pilot: Pilot[Any]) -> None:
        await wait_connected(pilot)
        await pilot.press("j", "j", "enter")
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_client()), terminal_size=SIZE, run_before=open_edit)


def test_full_fingerprint(snap_compare: Any) -> None:
    async def press_f(pilot: Pilot[Any]) -> None:
        await wait_connected(pilot)
        await pilot.press("f")
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_client()), terminal_size=SIZE, run_before=press_f)


def test_activity_tab(snap_compare: Any) -> None:
    async def activity(pilot: Pilot[Any]) -> None:
        await wait_connected(pilot)
        await pilot.press("2")
        await until(pilot, lambda: pilot.app.activity.row_count == 6)  # type: ignore[attr-defined]
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_client()), terminal_size=SIZE, run_before=activity)


def test_disconnected(snap_compare: Any) -> None:
    client = FakeDaemonClient()
    client.refuse = True
    # A constant backoff keeps "retrying in 1s" the same in every run.
    app = make_app(client)
    app.backoff = (1.0, 1.0)

    async def refused(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: client.connects >= 1 and app.state.retry_in == 1.0)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=refused)


def test_help(snap_compare: Any) -> None:
    async def help_screen(pilot: Pilot[Any]) -> None:
        await wait_connected(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_client()), terminal_size=SIZE, run_before=help_screen)


def test_pins_tab_with_a_changed_tool(snap_compare: Any) -> None:
    client = sample_client()
    client.pins_list = [changed_pin(), pinned_pin()]

    async def open_pins(pilot: Pilot[Any]) -> None:
        await wait_connected(pilot)
        await pilot.press("6")
        await pilot.pause(0.1)

    assert snap_compare(make_app(client), terminal_size=SIZE, run_before=open_pins)
