"""The approvald dashboard: pending approvals decided with one key, fed by the daemon's events.

A pure client of the daemon's HTTP API (docs/API.md): it imports nothing from approvald but
`paths` and the version. All I/O goes through a `DaemonClient` so tests can hand it a fake.
"""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Callable
from datetime import timezone
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Input, TabbedContent, TabPane

from approvald_tui.client import DaemonClient, DaemonError
from approvald_tui.keys import DECIDE_ACTIONS, NARROW
from approvald_tui.model import (
    Approval,
    Clock,
    Event,
    system_clock,
)
from approvald_tui.notify import Notifier, desktop_notify
from approvald_tui.screens.detail import DetailScreen
from approvald_tui.stream import StreamHandlers
from approvald_tui.widgets.activity import ActivityTable, HistoryTable
from approvald_tui.widgets.demo import AgentFeed, IntroBanner
from approvald_tui.widgets.detail import DetailPanel
from approvald_tui.widgets.grants import GrantsTable
from approvald_tui.widgets.pending import PendingTable
from approvald_tui.widgets.pins import PinDiff, PinsTable
from approvald_tui.widgets.rowlist import RowList
from approvald_tui.widgets.sessions import SessionsTable
from approvald_tui.widgets.statusbar import StatusBar, StatusState
from approvald_tui.widgets.tabs import LeasesTable, WarningsTable

TABS = ("pending", "activity", "history", "warnings", "leases", "pins", "sessions", "grants")
AGENT_DRAIN_S = 0.2  # the demo's agent lines reach its tab this often


class ApprovalsApp(StreamHandlers):
    """`approvald tui`."""

    CSS_PATH = "approvald.tcss"
    TITLE = "approvald"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "approve_once", "Approve", id="approve"),
        Binding("A", "approve_always", "Always", id="approve-always"),
        Binding("s", "approve_session", "Session", id="approve-session"),
        Binding("d", "deny", "Deny", id="deny"),
        Binding("r", "deny_reason", "Deny + reason", id="deny-reason"),
        Binding("D", "deny_session", "Deny session", show=False, id="deny-session"),
        Binding("j", "move(1)", "Move", key_display="j/k", id="down"),
        Binding("k", "move(-1)", "Up", show=False, id="up"),
        Binding("down", "move(1)", "Down", show=False, id="down-arrow"),
        Binding("up", "move(-1)", "Up", show=False, id="up-arrow"),
        Binding("g", "jump('first')", "First", show=False, id="first"),
        Binding("G", "jump('last')", "Last", show=False, id="last"),
        Binding("enter", "open_detail", "Detail", id="detail"),
        Binding("f", "toggle_fingerprint", "Fingerprint", id="fingerprint"),
        Binding("x", "revoke", "Revoke", id="revoke"),
        Binding("c", "accept_pin", "Accept tool", id="accept-pin"),
        Binding("slash", "filter", "Filter", key_display="/", id="filter"),
        Binding("escape", "leave_filter", "Leave filter", show=False, id="leave-filter"),
        Binding("escape", "hide_intro", "Hide intro", show=False, id="hide-intro"),
        Binding("9", "tab('agent')", "Agent", show=False, id="tab-agent"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        Binding("q", "quit_app", "Quit", id="quit"),
        *(Binding(str(i), f"tab('{name}')", name.title(), show=False, id=f"tab-{name}")
          for i, name in enumerate(TABS, start=1)),
        # Narrow terminals: the same keys, off the footer (keys.py, `check_action`).
        *(Binding(key, f"narrow({action})", show=False, id=f"narrow-{key}")
          for key, action in (("s", "'approve_session'"), ("r", "'deny_reason'"),
                              ("f", "'toggle_fingerprint'"), ("slash", "'filter'"),
                              ("j", "'move', 1"))),
    ]

    def __init__(self, client: DaemonClient, *, clock: Clock = system_clock,
                 tz: timezone | None = None, notifier: Notifier = desktop_notify,
                 endpoint: str = "", backoff: tuple[float, float] = (0.5, 5.0),
                 tick_s: float = 1.0, intro: str | None = None,
                 confirm_high_risk: bool = False,
                 agent_lines: queue.Queue[str] | None = None,
                 give_up: Callable[[], bool] | None = None) -> None:
        super().__init__()
        self.client = client
        # Whoever started the daemon says when it will never answer: the dashboard then ends
        # (return code 1) instead of dialing again.
        self.give_up = give_up
        self.clock = clock
        self.tz = tz
        self.notifier = notifier
        self.backoff = backoff
        self.tick_s = tick_s
        self.intro = intro
        self.agent_lines = agent_lines  # the demo's simulated agent reports here
        self.confirm_high_risk = confirm_high_risk
        self.explained: dict[str, Approval] = {}  # approval id -> what /explain said
        self.state = StatusState(endpoint=endpoint)
        self.in_flight: dict[str, Approval] = {}  # decided here, daemon not yet confirmed
        self._activity_buffer: list[Event] = []
        self._flush_timer: Any = None
        self._filter_timer: Any = None
        self._last_status_refresh = 0.0
        self._key_answers: tuple[object, ...] = ()

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Kept as attributes: `query_one` searches the active screen, and the detail, help and
        # reason screens cover this one while events keep arriving.
        self.pending = PendingTable(id="pending-table")
        self.detail = DetailPanel(id="detail")
        self.activity = ActivityTable(tz=self.tz, id="activity-table")
        self.history = HistoryTable(tz=self.tz, id="history-table")
        self.warnings = WarningsTable(id="warnings-table")
        self.leases = LeasesTable(id="leases-table")
        self.pins = PinsTable(id="pins-table")
        self.pin_diff = PinDiff(id="pin-diff")
        self.sessions = SessionsTable(id="sessions-table")
        self.grants = GrantsTable(tz=self.tz, id="grants-table")
        self.tabs = TabbedContent(initial="pending", id="tabs")
        self.filters = {
            "activity": Input(placeholder="/ to filter: words that must all appear",
                              id="activity-filter", compact=True),
            "history": Input(placeholder="/ to filter decided approvals", id="history-filter",
                             compact=True),
        }
        self.status_bar = StatusBar(self.state, id="status")
        yield self.status_bar
        if self.intro:
            yield IntroBanner(self.intro, id="intro")
        with self.tabs:
            with TabPane("Pending", id="pending"):
                yield self.pending
                yield self.detail
            with TabPane("Activity", id="activity"):
                yield self.filters["activity"]
                yield self.activity
            with TabPane("History", id="history"):
                yield self.filters["history"]
                yield self.history
            with TabPane("Warnings", id="warnings"):
                yield self.warnings
            with TabPane("Leases", id="leases"):
                yield self.leases
            with TabPane("Pins", id="pins"):
                yield self.pins
                yield self.pin_diff
            with TabPane("Sessions", id="sessions"):
                yield self.sessions
            with TabPane("Grants", id="grants"):
                yield self.grants
            if self.agent_lines is not None:
                with TabPane("Agent (demo)", id="agent"):
                    yield AgentFeed(self.agent_lines, id="agent-feed")
        yield Footer()

    def table(self, tab: str) -> DataTable[object] | RowList | None:
        """The list a tab shows (None: a tab without one, the demo's Agent tab)."""
        tables: dict[str, DataTable[object] | RowList] = {
            "pending": self.pending, "activity": self.activity, "history": self.history,
            "warnings": self.warnings, "leases": self.leases, "pins": self.pins,
            "sessions": self.sessions, "grants": self.grants}
        return tables.get(tab)

    def on_mount(self) -> None:
        self.pending.focus()
        self._show_selected()
        self.set_interval(self.tick_s, self._tick)
        self.follow_events()
        if self.agent_lines is not None:
            feed = self.query_one(AgentFeed)
            self.set_interval(AGENT_DRAIN_S, feed.drain)

    async def on_unmount(self) -> None:
        try:
            await asyncio.wait_for(self.client.aclose(), 2.0)
        except Exception:  # closing is best effort: the process is ending anyway
            pass

    def active_tab(self) -> str:
        return str(self.tabs.active)

    def on_main_screen(self) -> bool:
        return len(self.screen_stack) == 1

    def detail_screen(self) -> DetailScreen | None:
        """The detail screen when it is on top (never raises, even while the app stops)."""
        stack = self.screen_stack
        return stack[-1] if stack and isinstance(stack[-1], DetailScreen) else None

    # --- what is on screen ---------------------------------------------------------------------

    def _alert(self, title: str, body: str) -> None:
        """The terminal bell and a desktop notification; unsupported means silent."""
        self.bell()
        try:
            self.notifier(title, body)
        except Exception:  # a notification must never break the dashboard
            pass

    def _pending_changed(self) -> None:
        count = len(self.pending.approvals)
        self.state.pending = count
        self.tabs.get_tab("pending").label = (
            f"Pending ({count})" if count else "Pending")
        self.sessions.set_prompts(list(self.pending.approvals.values()))
        self._show_selected()
        self._refresh_status_bars()

    def _refresh_status_bars(self) -> None:
        self.status_bar.show()
        detail = self.detail_screen()
        if detail is not None:
            detail.refresh_status()
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        """Let the footer re-ask check_action, but only when an answer changed: each refresh
        rebuilds the footer, which costs more than everything else a key press does."""
        if not self.screen_stack:
            return
        answers = (id(self.screen_stack[-1]), self.active_tab(), isinstance(self.focused, Input),
                   self.size.width < NARROW,
                   *(self.check_action(action, ()) for action in (*DECIDE_ACTIONS,
                                                                  "open_detail", "accept_pin",
                                                                  "revoke")))
        if answers != self._key_answers:
            self._key_answers = answers
            self.refresh_bindings()

    def _show_selected(self) -> None:
        selected = self.pending.selected()
        approval_id = str(selected.get("id")) if selected else ""
        self.detail.show(selected, self.clock(), self.explained.get(approval_id))
        if selected is not None and approval_id not in self.explained:
            self.fetch_explained(approval_id)
        self._refresh_keys()

    @work(group="explain")
    async def fetch_explained(self, approval_id: str) -> None:
        """What the daemon finds in the selected request (its commands and where each runs,
        the rule "always" would write); shown when it arrives, kept until the policy changes."""
        try:
            found = await self.client.explain(approval_id)
        except DaemonError as exc:
            found = {"proposal": None, "proposal_refused": None, "commands": [],
                     "error": str(exc)}
        self.explained[approval_id] = found
        selected = self.pending.selected()
        if selected is not None and str(selected.get("id")) == approval_id:
            self.detail.show(selected, self.clock(), found)
        detail = self.detail_screen()
        if detail is not None and detail.approval_id == approval_id:
            detail.show_explained(found, self.clock())

    def on_resize(self) -> None:
        self._refresh_keys()  # a narrow footer keeps `? Help` and `q Quit` (keys.py)

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        if message.data_table.id == "pending-table":
            self._show_selected()
        elif message.data_table.id == "pins-table":
            self.pin_diff.show(self.pins.selected())
            self._refresh_keys()

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        if message.data_table.id == "pending-table":
            self.action_open_detail()

    def on_tabbed_content_tab_activated(self, message: TabbedContent.TabActivated) -> None:
        table = self.table(str(message.pane.id))
        if table is None:  # the demo's Agent tab: focus leaves the hidden table behind
            table = next(iter(message.pane.query(AgentFeed)), None)
        if table is not None and not isinstance(self.focused, Input):
            table.focus()
        if message.pane.id == "grants":
            self.reload_grants()
        self._refresh_keys()

    @work(exclusive=True, group="grants")
    async def reload_grants(self) -> None:
        """Opening Grants reads them again: a once-grant used by its own hook leaves without
        an event."""
        grants = await self.client.grants()
        if grants is not None:
            self.grants.set_grants(grants)
            self._refresh_keys()

    def _tick(self) -> None:
        now = self.clock()
        self.pending.tick(now)
        self.detail.refresh_body(now)
        self.leases.tick(now)
        detail = self.detail_screen()
        if detail is not None:
            detail.tick(now)


def run(endpoint: str, token_file: Any = None, *, notify: bool = True,
        intro: str | None = None, confirm_high_risk: bool = False,
        agent_lines: queue.Queue[str] | None = None, backoff: tuple[float, float] = (0.5, 5.0),
        give_up: Callable[[], bool] | None = None) -> int:
    """Open the dashboard against the daemon at `endpoint`; the app's return code.
    `backoff`: (first, longest) pause before dialing again; `give_up()`: true once the daemon
    being started will never answer (the app then ends with return code 1)."""
    from approvald.wire.aclient import AsyncDaemonClient
    from approvald_tui.notify import no_notify

    client = AsyncDaemonClient(endpoint, token_file)
    app = ApprovalsApp(client, endpoint=endpoint, intro=intro, backoff=backoff,
                       give_up=give_up, notifier=desktop_notify if notify else no_notify,
                       confirm_high_risk=confirm_high_risk, agent_lines=agent_lines)
    result = app.run()
    return int(result or 0) if app.return_code in (None, 0) else int(app.return_code or 1)
