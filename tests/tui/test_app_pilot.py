"""The dashboard driven key by key (Textual's pilot) against a fake daemon."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from approvald.wire.errors import ApiError, DaemonUnavailable
from approvald_tui.app import ApprovalsApp
from approvald_tui.screens.confirm import ConfirmScreen
from approvald_tui.screens.detail import DetailScreen
from approvald_tui.screens.help import HelpScreen
from approvald_tui.screens.proposal import ProposalScreen, render_proposal
from approvald_tui.screens.reason import ReasonScreen
from approvald_tui.screens.record import RecordScreen
from approvald_tui.widgets.demo import AgentFeed
from approvald_tui.widgets.detail import DetailPanel, render_approval
from approvald_tui.widgets.statusbar import StatusBar
from tests.support.tui import (
    NOW,
    PROJECT,
    FakeDaemonClient,
    NotifierSpy,
    approval,
    changed_pin,
    decision_event,
    edit_approval,
    make_app,
    pinned_pin,
    plain_text,
    push_approval,
    terraform_approval,
    until,
)


def selected_id(app: ApprovalsApp) -> str | None:
    approval = app.pending.selected()
    return None if approval is None else str(approval["id"])


def status_line(app: ApprovalsApp) -> str:
    return str(app.query_one("#status", StatusBar).content)


def _plain(panel: DetailPanel) -> str:
    """What the panel shows, as plain text."""
    if panel.approval is None:
        return ""
    return plain_text(render_approval(panel.approval, NOW, panel.full_fingerprint,
                                      panel.explained))


async def connected(pilot, app: ApprovalsApp) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: app.state.connected, what="connection")
    # Let start-up messages settle (a tab activation still queued from mounting would undo a
    # tab switch the test makes in the same instant; no person types that fast).
    await pilot.pause()


async def test_initial_state_oldest_first_and_first_selected() -> None:
    client = FakeDaemonClient(pending=[edit_approval(), push_approval(), terraform_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        ids = [a["id"] for a in app.pending.ordered()]
        assert ids == ["ap_0001", "ap_0002", "ap_0003"]  # by created_at, not list order
        assert str(app.pending.get_row_at(0)[-1]).startswith("git fetch")
        assert selected_id(app) == "ap_0001"
        assert "pending 3" in status_line(app)
        assert "daemon connected" in status_line(app)


async def test_arrival_selects_first_and_notifies(spy: NotifierSpy) -> None:
    client = FakeDaemonClient()
    app = make_app(client, notifier=spy)
    rang: list[bool] = []
    app.bell = lambda: rang.append(True)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        assert selected_id(app) is None
        client.push({"type": "approval.created", "ts": "2025-06-02T09:30:00Z",
                     **push_approval()})
        await until(pilot, lambda: selected_id(app) == "ap_0001", what="first selected")
        assert "git push origin main" in _plain(app.query_one("#detail", DetailPanel))
        assert len(spy.calls) == 1 and "git fetch && git push" in spy.calls[0][1]
        assert rang == [True]
        client.push({"type": "approval.created", **terraform_approval()})
        await until(pilot, lambda: len(app.pending.approvals) == 2)
        assert selected_id(app) == "ap_0001"  # a later arrival does not steal the selection
        assert len(spy.calls) == 2
        # The same approval announced twice is one row and one notification.
        client.push({"type": "approval.created", **terraform_approval()})
        await pilot.pause(0.1)
        assert app.pending.row_count == 2 and len(spy.calls) == 2


async def test_a_approves_the_selected_once_then_next_is_selected() -> None:
    client = FakeDaemonClient(pending=[push_approval(), terraform_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("a")
        await until(pilot, lambda: client.calls, what="approve call")
        assert client.calls == [("approve", "ap_0001", "once")]
        assert list(app.pending.approvals) == ["ap_0002"]
        assert selected_id(app) == "ap_0002"
        await until(pilot, lambda: app.history.row_count == 1, what="history row")
        assert "APPROVED" in str(app.history.get_row_at(0)[1])


async def test_s_approves_for_the_session() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("s")
        await until(pilot, lambda: client.calls)
        assert client.calls == [("approve", "ap_0001", "session")]


async def test_d_denies_without_confirmation() -> None:
    client = FakeDaemonClient(pending=[push_approval(), terraform_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("j", "d")
        await until(pilot, lambda: client.calls)
        assert client.calls == [("deny", "ap_0002", None)]
        assert not isinstance(app.screen, ReasonScreen)  # no dialog
        assert list(app.pending.approvals) == ["ap_0001"]


async def test_r_asks_a_reason_and_denies_with_it() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ReasonScreen))
        # Keys that are bindings elsewhere are text here.
        await pilot.press(*"use a PR, do not push to main (q)")
        assert client.calls == []
        await pilot.press("enter")
        await until(pilot, lambda: client.calls)
        assert client.calls == [("deny", "ap_0001", "use a PR, do not push to main (q)")]
        assert not isinstance(app.screen, ReasonScreen)


async def test_r_then_escape_denies_nothing() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ReasonScreen))
        await pilot.press("x", "escape")
        await until(pilot, lambda: not isinstance(app.screen, ReasonScreen))
        await pilot.pause(0.1)
        assert client.calls == []
        assert selected_id(app) == "ap_0001"


async def test_j_k_and_arrows_move_the_selection() -> None:
    client = FakeDaemonClient(pending=[push_approval(), terraform_approval(), edit_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("j")
        assert selected_id(app) == "ap_0002"
        await pilot.press("j", "j")
        assert selected_id(app) == "ap_0003"  # stays on the last
        await pilot.press("k")
        assert selected_id(app) == "ap_0002"
        await pilot.press("up")
        assert selected_id(app) == "ap_0001"
        await pilot.press("down")
        assert selected_id(app) == "ap_0002"
        assert "terraform -chdir=infra apply" in _plain(app.query_one("#detail", DetailPanel))


async def test_enter_opens_detail_and_keys_decide_it() -> None:
    client = FakeDaemonClient(pending=[push_approval(), edit_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("j", "enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.approval_id == "ap_0003"
        text = _plain(screen.query_one(DetailPanel))
        assert "+    branches: [main, staging]" in text  # the Edit's diff
        assert "-    branches: [main]" in text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, DetailScreen))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.press("a")
        await until(pilot, lambda: client.calls)
        assert client.calls == [("approve", "ap_0003", "once")]
        await until(pilot, lambda: not isinstance(app.screen, DetailScreen))


async def test_f_shows_the_full_fingerprint() -> None:
    approval = push_approval()
    client = FakeDaemonClient(pending=[approval])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        panel = app.query_one("#detail", DetailPanel)
        assert approval["fingerprint"][7:19] in _plain(panel)
        assert approval["fingerprint"] not in _plain(panel)
        await pilot.press("f")
        assert approval["fingerprint"] in _plain(panel)


async def test_slash_filters_activity() -> None:
    events = [decision_event(i, "DENY" if i % 10 == 0 else "ALLOW", f"npm run job{i}",
                             seconds_ago=100 - i) for i in range(40)]
    client = FakeDaemonClient(activity=events)
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await until(pilot, lambda: app.activity.row_count == 40)
        await pilot.press("slash")
        assert app.active_tab() == "activity"
        assert isinstance(app.focused, Input) and app.focused.id == "activity-filter"
        await pilot.press(*"deny")
        await until(pilot, lambda: app.activity.row_count == 4, what="filtered rows")
        assert {str(app.activity.get_row_at(i)[1]) for i in range(4)} == {"DENY"}
        await pilot.press("enter")
        assert app.focused is app.activity
        # New events respect the filter.
        client.push(decision_event(50, "ALLOW", "ls"))
        client.push(decision_event(51, "DENY", "cat .env"))
        await until(pilot, lambda: app.activity.row_count == 5)
        await pilot.press("slash", *["backspace"] * 4)  # back into the input, clear it
        await pilot.press("enter")
        await until(pilot, lambda: app.activity.row_count == 42)


async def test_question_mark_opens_help() -> None:
    app = make_app(FakeDaemonClient())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_q_quits() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("q")
        await pilot.pause(0.1)
    assert app.return_value == 0
    assert client.calls == []  # quitting decides nothing
    assert client.closed


async def test_no_daemon_says_so_and_reconnects_by_itself() -> None:
    client = FakeDaemonClient()
    client.refuse = True
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: "daemon not connected" in status_line(app))
        assert "no daemon answers" in status_line(app)
        await until(pilot, lambda: client.connects >= 3, what="retries")
        client.pending = [push_approval()]
        client.refuse = False
        await until(pilot, lambda: app.state.connected, what="reconnect")
        assert "daemon connected" in status_line(app)
        assert selected_id(app) == "ap_0001"


async def test_lost_stream_reconnects_and_reloads_state() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        client.disconnect(refuse=True)
        await until(pilot, lambda: not app.state.connected)
        await until(pilot, lambda: "daemon not connected" in status_line(app)
                    and "connection to the daemon was lost" in status_line(app))
        # While it was away, the approval was decided and another arrived.
        client.pending = [terraform_approval()]
        client.refuse = False
        await until(pilot, lambda: app.state.connected, what="reconnect")
        await until(pilot, lambda: list(app.pending.approvals) == ["ap_0002"],
                    what="state reloaded")
        assert selected_id(app) == "ap_0002"


async def test_decided_elsewhere_leaves_the_list() -> None:
    client = FakeDaemonClient(pending=[push_approval(), terraform_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        client.push({"type": "approval.decided", **push_approval(), "status": "denied",
                     "decided_by": "cli", "decision_reason": "not today"})
        await until(pilot, lambda: "ap_0001" not in app.pending.approvals)
        await until(pilot, lambda: not isinstance(app.screen, DetailScreen))
        assert selected_id(app) == "ap_0002"
        await until(pilot, lambda: app.history.row_count == 1)
        row = [str(c) for c in app.history.get_row_at(0)]
        assert row[1:3] == ["DENIED", "cli"] and row[-1] == 'cli wrote "not today"'


async def test_failed_decision_puts_the_request_back() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    client.errors["ap_0001"] = DaemonUnavailable("no daemon answers")
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("a")
        await until(pilot, lambda: client.calls)
        await until(pilot, lambda: "ap_0001" in app.pending.approvals, what="restored")
        assert selected_id(app) == "ap_0001"


async def test_already_decided_is_not_put_back() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    client.errors["ap_0001"] = ApiError("approval ap_0001 is already denied", 409)
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("d")
        await until(pilot, lambda: client.calls)
        await pilot.pause(0.1)
        assert "ap_0001" not in app.pending.approvals


async def test_decision_keys_do_nothing_without_a_visible_selection() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("2")  # Activity tab: a/d must not decide what the person cannot see
        await until(pilot, lambda: app.active_tab() == "activity")
        await pilot.press("a", "d", "s")
        await pilot.pause(0.1)
        assert client.calls == []
        await pilot.press("1", "a")
        await until(pilot, lambda: client.calls)
    empty = FakeDaemonClient()
    app = make_app(empty)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("a", "d", "r")
        await pilot.pause(0.1)
        assert empty.calls == [] and not isinstance(app.screen, ReasonScreen)


async def test_status_line_policy_error_warnings_and_leases() -> None:
    client = FakeDaemonClient()
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        assert "policy 9f8e7d6c5b4a" in status_line(app)
        assert "sessions 2" in status_line(app)
        client.push({"type": "policy.error", "error": "policies/team.yaml:3: unknown key 'dny'"})
        await until(pilot, lambda: "policy error" in status_line(app))
        assert "team.yaml:3" in status_line(app)
        client.push({"type": "policy.reloaded", "policy_hash": "sha256:" + "1" * 64})
        await until(pilot, lambda: "policy 111111111111" in status_line(app))
        assert "policy error" not in status_line(app)
        client.push({"type": "findings", "findings": [
            {"severity": "high", "agent": "claude-code", "file": "~/.claude/settings.json",
             "title": "Bash runs without the approvald hook", "detail": "", "fix": "install"}]})
        await until(pilot, lambda: "warnings 1" in status_line(app))
        client.push({"type": "lease.created", "lease_id": "ls_1", "name": "GITHUB_TOKEN",
                     "expires_at": "2025-06-02T09:35:00Z", "session_id": "s"})
        leases = app.query_one("#leases-table")
        await until(pilot, lambda: leases.row_count == 1)  # type: ignore[attr-defined]
        client.push({"type": "lease.revoked", "lease_id": "ls_1"})
        await until(pilot, lambda: leases.row_count == 0)  # type: ignore[attr-defined]


def test_every_binding_has_an_id_and_the_contract_keys_exist() -> None:
    keys = {b.key: b for b in ApprovalsApp.BINDINGS}  # type: ignore[union-attr]
    for key in ("a", "s", "d", "r", "j", "k", "enter", "slash", "question_mark", "q"):
        assert key in keys, key
    assert all(b.id for b in keys.values())  # type: ignore[union-attr]


async def test_leases_and_findings_load_at_connect_and_x_revokes() -> None:
    client = FakeDaemonClient()
    client.leases_list = [
        {"lease_id": "ls_a", "name": "GITHUB_TOKEN", "status": "active",
         "expires_at": "2025-06-02T09:32:00Z", "session_id": "s1", "use_count": 0},
        {"lease_id": "ls_b", "name": "AWS_KEY", "status": "expired",
         "expires_at": "2025-06-02T09:00:00Z"},
    ]
    client.findings_list = [{"severity": "medium", "agent": "cursor", "file": "mcp.json",
                             "title": "raw filesystem MCP server", "detail": "", "fix": "-"}]
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        assert list(app.leases.leases) == ["ls_a"]  # only active leases
        assert str(app.leases.get_row_at(0)[2]) == "2m00s"
        assert "warnings 1" in status_line(app)
        await pilot.press("x")  # not on the Leases tab: nothing happens
        await pilot.press("5", "x")
        await until(pilot, lambda: client.calls == [("revoke", "ls_a", None)])
        await until(pilot, lambda: app.leases.row_count == 0)


async def test_status_line_shows_what_export_sent_and_lost() -> None:
    from tests.support.tui import STATUS

    export = {"sent": 41, "dropped": 3, "queued": 0, "endpoint": "http://c:4318/v1/logs",
              "error": "cannot reach http://c:4318/v1/logs", "first_dropped_at": None}
    app = make_app(FakeDaemonClient(status={**STATUS, "export": export}))
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await until(pilot, lambda: "export sent 41 dropped 3 (failing)" in status_line(app))
    quiet = make_app(FakeDaemonClient())
    async with quiet.run_test(size=(120, 36)) as pilot:
        await connected(pilot, quiet)
        assert "export" not in status_line(quiet)


async def test_each_row_and_the_detail_say_which_agent_asked() -> None:
    patch = "*** Begin Patch\n*** Update File: /p/a.py\n@@\n-x = 1\n+x = 2\n*** End Patch"
    codex = approval(11, "/p/a.py", tool="apply_patch", kind="fs.write", age_s=90,
                     rules=("secrets-overwrite",), tool_input={"patch": patch}, agent="codex")
    copilot = approval(12, "git push origin main", tool="bash", age_s=30, agent="copilot")
    app = make_app(FakeDaemonClient(pending=[codex, copilot]))
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        columns = [str(c.label) for c in app.pending.ordered_columns]
        agent_col = columns.index("Agent")
        assert [str(app.pending.get_row_at(i)[agent_col]) for i in range(2)] == [
            "codex", "copilot"]
        text = _plain(app.query_one(DetailPanel))
        assert "Agent" in text and "codex" in text
        assert "+x = 2" in text  # the patch, shown as the diff


async def test_pins_tab_shows_the_diff_and_c_accepts_the_withheld_tool() -> None:
    client = FakeDaemonClient()
    client.pins_list = [pinned_pin(), changed_pin()]
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.state.connected, what="connection")
        await until(pilot, lambda: str(app.tabs.get_tab("pins").label) == "Pins (1 held)")
        await pilot.press("6")
        await until(pilot, lambda: app.active_tab() == "pins" and app.pins.selected())
        assert app.pins.selected()["tool"] == "read_text_file"  # withheld first
        await until(pilot, lambda: "id_rsa" in str(app.pin_diff.render()), what="the diff")
        assert "-  Read a text file." in str(app.pin_diff.render())
        await pilot.press("c")
        await until(pilot, lambda: app.pins.withheld == 0, what="accepted")
        assert client.calls[-1] == ("accept-pin", "filesystem", "read_text_file")
        await until(pilot, lambda: str(app.tabs.get_tab("pins").label) == "Pins")
        # A pin event from the daemon (another gateway saw a change) shows at once, first in
        # the list; the selection stays where it was.
        client.pins_list[0] = changed_pin("list_directory")
        client.push({**changed_pin("list_directory"), "type": "mcp.pin.changed", "ts": "x"})
        await until(pilot, lambda: app.pins.withheld == 1, what="pin event")
        assert app.pins.selected()["tool"] == "read_text_file"
        await pilot.press("k", "c")
        await until(pilot, lambda: app.pins.withheld == 0, what="second accept")


async def test_c_does_nothing_outside_the_pins_tab_or_on_a_pinned_tool() -> None:
    client = FakeDaemonClient()
    client.pins_list = [pinned_pin()]
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.state.connected, what="connection")
        await pilot.press("c")
        await pilot.press("6", "c")
        await pilot.pause(0.1)
        assert not [c for c in client.calls if c[0] == "accept-pin"]
        assert app.check_action("accept_pin", ()) is None  # shown, dimmed: nothing to accept


def _many_pending(count: int) -> list[dict[str, object]]:
    return [approval(n, f"git push origin feature/{n}", age_s=200 - n) for n in range(1, count + 1)]


async def test_G_then_a_approves_the_last_row_not_the_first() -> None:
    # Seen in a real terminal: `G` did nothing, and the `a` after it approved the first row.
    client = FakeDaemonClient(pending=_many_pending(4))
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("G")
        assert selected_id(app) == "ap_0004"
        await pilot.press("a")
        await until(pilot, lambda: client.calls, what="approve call")
        assert client.calls == [("approve", "ap_0004", "once")]


async def test_g_G_home_end_move_to_the_first_and_last_row() -> None:
    client = FakeDaemonClient(pending=_many_pending(5))
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        for key, expected in (("end", "ap_0005"), ("home", "ap_0001"), ("G", "ap_0005"),
                              ("g", "ap_0001")):
            await pilot.press(key)
            assert selected_id(app) == expected, key
        events = [decision_event(i, "ALLOW", f"ls {i}", seconds_ago=60 - i) for i in range(30)]
        await pilot.press("2")  # the Activity tab moves the same way
        app.activity.replace(events)
        await pilot.press("g")
        assert app.activity.cursor_row == 0
        await pilot.press("G")
        assert app.activity.cursor_row == 29


async def test_a_never_decides_a_selection_scrolled_out_of_sight() -> None:
    client = FakeDaemonClient(pending=_many_pending(30))
    app = make_app(client)
    async with app.run_test(size=(100, 24)) as pilot:
        await connected(pilot, app)
        assert selected_id(app) == "ap_0001"
        app.pending.scroll_to(y=20, animate=False)  # what a mouse wheel does
        await pilot.pause(0.1)
        assert not app.pending.selected_on_screen()
        await pilot.press("a", "d")
        await pilot.pause(0.1)
        assert client.calls == []
        await pilot.press("j")  # moving brings the selection back into sight
        await pilot.press("a")
        await until(pilot, lambda: client.calls)
        assert client.calls == [("approve", "ap_0002", "once")]


async def test_history_shows_the_newest_first_and_keeps_the_row_under_the_cursor() -> None:
    decided = [approval(n, f"npm publish --tag v{n}", status="approved", scope="once",
                        decided_by="cli", decided_at=f"2025-06-02T09:0{n}:00Z")
               for n in range(1, 4)]
    client = FakeDaemonClient(pending=[push_approval(7), terraform_approval(8)],
                              decided=decided)
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        summaries = [str(app.history.get_row_at(i)[5]) for i in range(3)]
        assert summaries == ["npm publish --tag v3", "npm publish --tag v2",
                             "npm publish --tag v1"]
        await pilot.press("a")  # decided now: on top, and the cursor (on top) follows it
        await until(pilot, lambda: app.history.row_count == 4)
        assert str(app.history.get_row_at(0)[5]).startswith("git fetch")
        assert app.history.cursor_row == 0
        await pilot.press("3", "j")  # the person looks at v3; a new decision lands above
        client.push({"type": "approval.decided", **terraform_approval(8), "status": "denied",
                     "decided_by": "cli"})
        await until(pilot, lambda: app.history.row_count == 5)
        assert str(app.history.get_row_at(app.history.cursor_row)[5]) == "npm publish --tag v3"


def _proposal(approval_id: str, liked: int = 0) -> dict[str, object]:
    return {"commands": [], "matches": [], "proposal_refused": None, "proposal": {
        "rule_id": "allow-git-push-origin-feature-abc123",
        "summary": "allow git push origin feature/* in webshop",
        "text": "  - id: allow-git-push-origin-feature-abc123\n    decision: ALLOW\n",
        "file": "/home/dev/.config/approvald/policies/approved.yaml",
        "overrides": ["git-push"], "would_have_matched_count": 3, "approved_like_this": liked,
        "would_have_matched": [{"summary": "git push origin feature/a", "cwd": "/w"}]}}


async def test_A_shows_the_proposed_rule_and_enter_writes_it_and_approves() -> None:
    push = approval(1, "git push origin feature/login")
    client = FakeDaemonClient(pending=[push])
    client.explained["ap_0001"] = _proposal("ap_0001", liked=3)
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await until(pilot, lambda: "ap_0001" in app.explained, what="the explanation")
        shown = _plain(app.query_one("#detail", DetailPanel))
        assert "You approved 3 like this. A would allow git push origin feature/*" in shown
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, ProposalScreen))
        screen = app.screen
        assert isinstance(screen, ProposalScreen)
        body = plain_text(render_proposal(screen.summary, screen.proposal), width=110)
        assert "approved.yaml" in body and "would have matched 3" in body
        assert "sets aside only git-push" in body
        await pilot.press("escape")  # nothing written, nothing decided
        await until(pilot, lambda: not isinstance(app.screen, ProposalScreen))
        assert client.calls == []
        await pilot.press("A", "enter")
        await until(pilot, lambda: client.calls)
        assert client.calls == [("approve", "ap_0001", "once+always")]


async def test_A_says_why_no_rule_is_offered() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await until(pilot, lambda: "ap_0001" in app.explained)
        await pilot.press("A")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ProposalScreen) and client.calls == []
        assert "not offered in this test" in _plain(app.query_one("#detail", DetailPanel))


async def test_a_high_risk_request_asks_again_when_configured() -> None:
    risky = approval(1, "terraform apply", high_risk=True, rules=("terraform-apply",),
                     age_s=300)
    client = FakeDaemonClient(pending=[risky, push_approval(2)])
    app = make_app(client, confirm_high_risk=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        assert "HIGH RISK" in str(app.pending.get_row_at(0)[-1])
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("a")  # a stray key is a no, never a yes
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert client.calls == []
        await pilot.press("a", "y")
        await until(pilot, lambda: client.calls)
        assert client.calls == [("approve", "ap_0001", "once")]
        await pilot.press("a")  # not high risk: no question
        await until(pilot, lambda: len(client.calls) == 2)
    plain = FakeDaemonClient(pending=[risky])
    app = make_app(plain)  # off by default
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("a")
        await until(pilot, lambda: plain.calls)


async def test_D_denies_every_pending_request_of_that_session() -> None:
    mine = [approval(n, f"git push origin b{n}", age_s=100 - n) for n in (1, 2, 3)]
    other = approval(4, "npm publish", session_id="another-session", age_s=10)
    client = FakeDaemonClient(pending=[*mine, other])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: len(client.calls) == 3)
        assert {c[1] for c in client.calls} == {"ap_0001", "ap_0002", "ap_0003"}
        assert all(c[0] == "deny" for c in client.calls)
        assert list(app.pending.approvals) == ["ap_0004"]


async def test_grants_tab_lists_standing_grants_and_x_revokes() -> None:
    session_grant = approval(5, "npm test -- --watch", status="approved", scope="session",
                             decided_by="dashboard", decided_at="2025-06-02T09:20:00Z",
                             grant="standing", use_count=4)
    client = FakeDaemonClient()
    client.grants_list = [session_grant]
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("8")
        await until(pilot, lambda: app.grants.row_count == 1)
        row = [str(c) for c in app.grants.get_row_at(0)]
        assert row[1:3] == ["session", "4x"] and row[-1] == "npm test -- --watch"
        # A session grant approved meanwhile joins; an admitted call counts as a use.
        client.push({"type": "approval.decided", **approval(
            6, "make lint", status="approved", scope="session", grant="standing",
            decided_at="2025-06-02T09:30:30Z")})
        await until(pilot, lambda: app.grants.row_count == 2)
        client.push({"type": "decision", "decision": "REQUIRE_APPROVAL",
                     "approval_status": "granted", "approval_id": "ap_0006",
                     "scope": "session", "ts": "2025-06-02T09:31:00Z", "summary": "make lint"})
        await until(pilot, lambda: str(app.grants.get_row_at(0)[2]) == "1x")
        await pilot.press("G", "x")
        await until(pilot, lambda: ("revoke-grant", "ap_0005", None) in client.calls)
        await until(pilot, lambda: app.grants.row_count == 1)


async def test_enter_on_activity_opens_the_whole_record() -> None:
    long_path = "/home/dev/src/webshop/" + "deeply/nested/" * 12 + "secret.env"
    client = FakeDaemonClient(activity=[decision_event(1, "DENY", long_path, tool="Read",
                                                       rules=("secrets-read",),
                                                       reason="Reading secrets is not allowed.")])
    app = make_app(client)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot, app)
        await pilot.press("2")
        await until(pilot, lambda: app.activity.row_count == 1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RecordScreen))
        record = app.screen.record  # type: ignore[union-attr]
        assert record["summary"] == long_path and record["reason"].startswith("Reading")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, RecordScreen))


async def test_a_request_whose_agent_left_is_marked() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        client.push({"type": "approval.agent_gone", **push_approval(),
                     "agent_gone_at": "2025-06-02T09:29:50Z"})
        await until(pilot, lambda: str(app.pending.get_row_at(0)[1]) == "agent gone")
        assert "AGENT NO LONGER WAITING" in _plain(app.query_one("#detail", DetailPanel))
        await until(pilot, lambda: app.activity.row_count == 1)
        assert str(app.activity.get_row_at(0)[1]) == "AGENT GONE"


async def test_the_detail_reads_like_the_request() -> None:
    command = "cd infra && terraform apply -auto-approve -var env=prod"
    asked = approval(1, command, tool_input={"command": command})
    asked["action"]["description"] = "Apply the bucket and CDN changes"
    client = FakeDaemonClient(pending=[asked])
    client.explained["ap_0001"] = {"proposal": None, "proposal_refused": "x", "commands": [
        {"text": "cd infra", "cwd": PROJECT, "rules": []},
        {"text": "terraform apply -auto-approve -var env=prod", "cwd": PROJECT + "/infra",
         "rules": ["terraform-mutate"]}]}
    app = make_app(client)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await until(pilot, lambda: "ap_0001" in app.explained)
        text = _plain(app.query_one("#detail", DetailPanel))
        assert "Agent says  Apply the bucket and CDN changes" in text
        assert "-auto-approve (skips the tool's own confirmation)" in text
        assert "env=prod (names production)" in text
        assert f"in {PROJECT}/infra" in text and "← terraform-mutate" in text


def test_a_lease_request_reads_as_secret_ttl_and_pattern() -> None:
    asked = approval(1, "approvald lease GITHUB_TOKEN --ttl 10m --for 'gh *' --single-use")
    text = plain_text(render_approval(asked, NOW))
    for line in ("Secret   GITHUB_TOKEN", "TTL      10m", "For      gh *", "Use      once"):
        assert line in text, text


async def test_activity_says_what_happened_and_who_said_what() -> None:
    admitted = {**decision_event(1, "REQUIRE_APPROVAL", "make lint", rules=("make",)),
                "approval_status": "granted", "approval_id": "ap_0009", "scope": "session"}
    decided = {"type": "approval.decided", "ts": "2025-06-02T09:30:00Z", **approval(
        8, "git push", status="approved", decided_by="cli", decision_reason=None)}
    client = FakeDaemonClient(activity=[admitted, decided])
    app = make_app(client)
    async with app.run_test(size=(160, 36)) as pilot:
        await connected(pilot, app)
        await until(pilot, lambda: app.activity.row_count == 2)
        first, second = ([str(c) for c in app.activity.get_row_at(i)] for i in (0, 1))
        assert first[1] == "ADMITTED" and first[-1].startswith("by session grant ap_0009")
        assert second[1] == "APPROVED" and second[-1].startswith("by cli · asked because")
        assert "wrote" not in second[-1]  # the policy's words are not the person's
        client.push({"type": "approval.decided", "ts": "2025-06-02T09:30:01Z", **approval(
            7, "git push -f", status="denied", decided_by="dashboard",
            decision_reason="use a PR")})
        await until(pilot, lambda: app.activity.row_count == 3)
        third = str(app.activity.get_row_at(2)[-1])
        assert third.startswith('dashboard wrote "use a PR" · asked because git-push')


async def test_at_80_columns_the_footer_keeps_help_and_quit() -> None:
    client = FakeDaemonClient(pending=[push_approval()])
    app = make_app(client)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot, app)
        await pilot.pause(0.2)
        keys = {k.key: k for k in app.screen.query(FooterKey)}
        for key in ("question_mark", "q", "a", "d"):
            assert key in keys, sorted(keys)
            region = keys[key].region
            assert region.width and region.x + region.width <= 80, (key, region)
        await pilot.press("s")  # off the footer, still a key
        await until(pilot, lambda: client.calls == [("approve", "ap_0001", "session")])


async def test_a_denied_row_is_drawn_plain_under_the_cursor() -> None:
    denied = [approval(n, f"rm -rf build{n}", status="denied", decided_by="cli",
                       decided_at=f"2025-06-02T09:0{n}:00Z") for n in (1, 2)]
    app = make_app(FakeDaemonClient(decided=denied))
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("3")
        await until(pilot, lambda: app.history.row_count == 2)

        def colours(row: int) -> set[str]:
            strip = app.history.render_line(row + 1)  # line 0 is the header
            return {str(seg.style.color.name) for seg in strip
                    if seg.style is not None and seg.style.color is not None}

        assert app.history.cursor_row == 0
        assert "red" not in colours(0)  # under the cursor: the cursor's own colours
        assert "red" in colours(1)  # elsewhere DENIED stays red


async def test_the_demo_keeps_its_intro_until_escape_and_shows_the_agents_side() -> None:
    lines: queue.Queue[str] = queue.Queue()
    app = make_app(FakeDaemonClient(), intro="Demo: press a to approve", agent_lines=lines)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        assert app.query("#intro")
        await pilot.pause(1.0)
        assert app.query("#intro")  # no timeout takes it away
        lines.put("Claude Code pushes to main: shell git push origin main")
        lines.put("  -> DENY: git push origin main (the agent read: use a PR)")
        await pilot.press("9")
        await until(pilot, lambda: app.active_tab() == "agent", what="the Agent tab")
        feed = app.query_one(AgentFeed)
        await until(pilot, lambda: feed.line_count >= 2, what="the agent's lines")
        assert "the agent read: use a PR" in feed.lines[-1]
        await pilot.press("escape")
        await until(pilot, lambda: not app.query("#intro"), what="the intro to go")
        await pilot.press("j", "g")  # keys on a tab without a list change nothing


def test_the_demo_reads_a_stand_in_home(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from approvald.cli.demo_cmd import _demo_env

    monkeypatch.setenv("CLAUDE_CONFIG_DIR", "/home/someone/.claude")
    env = _demo_env(tmp_path)
    assert env["HOME"] == str(tmp_path / "user") and "CLAUDE_CONFIG_DIR" not in env
    assert "dangerously-skip-permissions" in (tmp_path / "user" / ".bashrc").read_text()
