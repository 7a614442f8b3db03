"""Screenshots of the main screens at a fixed size, compared with the committed SVGs.

Deterministic: the clock is frozen (ages and countdowns), times are shown in UTC, the data is
fixed. Regenerate after an intended change with
`pytest tests/tui/test_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.support.tui import (
    PROJECT,
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
    activity += [
        {**decision_event(7, "REQUIRE_APPROVAL", "npm test -- --watch", seconds_ago=15,
                          rules=("watch-mode",), reason="Long-running watchers need a person."),
         "approval_status": "granted", "approval_id": "ap_0010", "scope": "session"},
        {"type": "approval.decided", "ts": "2025-06-02T09:29:50Z", **approval(
            11, "git push origin release/1.4", status="denied", decided_by="cli",
            decision_reason="use a PR")},
    ]
    decided = [approval(9, "npm publish", age_s=300, status="approved", scope="once",
                        decided_by="dashboard", decided_at="2025-06-02T09:26:00Z",
                        rules=("package-publish",)),
               approval(11, "git push origin release/1.4", age_s=40, status="denied",
                        decided_by="cli", decision_reason="use a PR",
                        decided_at="2025-06-02T09:29:50Z")]
    client = FakeDaemonClient(pending=[push_approval(), terraform_approval(), edit_approval(),
                                       fetch], decided=decided, activity=activity)
    client.explained["ap_0001"] = {
        "commands": [{"text": "git fetch", "cwd": PROJECT, "rules": []},
                     {"text": "git push origin main", "cwd": PROJECT, "rules": ["git-push"]}],
        "proposal_refused": None, "proposal": {
            "rule_id": "allow-git-push-origin-main-1a2b3c",
            "summary": "allow git push origin main in src/webshop",
            "text": ("  # allow git push origin main in src/webshop\n"
                     "  - id: allow-git-push-origin-main-1a2b3c\n    decision: ALLOW\n"
                     "    reason: You allowed this on 2025-06-02 from approval ap_0001.\n"
                     "    overrides: [git-push]\n    match:\n      program: git\n"
                     f"      args_exact: [push, origin, main]\n      cwd: {PROJECT}\n"),
            "file": "/home/dev/.config/approvald/policies/approved.yaml",
            "overrides": ["git-push"], "approved_like_this": 3, "would_have_matched_count": 2,
            "would_have_matched": [{"summary": "git push origin main", "cwd": PROJECT},
                                   {"summary": "git fetch && git push origin main",
                                    "cwd": PROJECT}]}}
    client.grants_list = [approval(10, "npm test -- --watch", age_s=200, status="approved",
                                   scope="session", decided_by="dashboard", use_count=5,
                                   grant="standing", decided_at="2025-06-02T09:27:00Z")]
    return client


async def wait_connected(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: pilot.app.state.connected, what="connection")  # type: ignore[attr-defined]
    await until(pilot, lambda: "ap_0001" in pilot.app.explained)  # type: ignore[attr-defined]
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
        await until(pilot, lambda: pilot.app.activity.row_count == 8)  # type: ignore[attr-defined]
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_client()), terminal_size=SIZE, run_before=activity)


def test_main_screen_at_80_columns(snap_compare: Any) -> None:
    assert snap_compare(make_app(sample_client()), terminal_size=(80, 24),
                        run_before=wait_connected)


def test_always_allow_proposal(snap_compare: Any) -> None:
    async def press_always(pilot: Pilot[Any]) -> None:
        await wait_connected(pilot)
        await pilot.press("A")
        await pilot.pause(0.2)

    assert snap_compare(make_app(sample_client()), terminal_size=SIZE,
                        run_before=press_always)


def test_history_newest_first(snap_compare: Any) -> None:
    async def history(pilot: Pilot[Any]) -> None:
        await wait_connected(pilot)
        await pilot.press("3")
        await until(pilot, lambda: pilot.app.history.row_count == 2)  # type: ignore[attr-defined]
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_client()), terminal_size=SIZE, run_before=history)


def test_grants_tab(snap_compare: Any) -> None:
    async def grants(pilot: Pilot[Any]) -> None:
        await wait_connected(pilot)
        await pilot.press("8")
        await until(pilot, lambda: pilot.app.grants.row_count == 1)  # type: ignore[attr-defined]
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_client()), terminal_size=SIZE, run_before=grants)


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
