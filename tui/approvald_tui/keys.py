"""What the keys do: decide the selected approval (a/s/d/r, A always, D the whole session),
move, open the detail or a full record, filter, revoke a lease or a grant, switch tabs, help.
Mixed into `ApprovalsApp`; everything here acts on the widgets and state the app owns."""

from __future__ import annotations

from textual import work
from textual.timer import Timer
from textual.widgets import DataTable, Input, TabbedContent

from approvald_tui.client import DaemonClient, DaemonError
from approvald_tui.deciding import DecisionActions
from approvald_tui.model import Approval, Clock
from approvald_tui.screens.detail import DetailScreen
from approvald_tui.screens.help import HelpScreen
from approvald_tui.screens.record import RecordScreen
from approvald_tui.widgets.activity import ActivityTable, HistoryTable, LogTable
from approvald_tui.widgets.detail import DetailPanel
from approvald_tui.widgets.grants import GrantsTable
from approvald_tui.widgets.pending import PendingTable
from approvald_tui.widgets.pins import PinsTable
from approvald_tui.widgets.rowlist import RowList
from approvald_tui.widgets.statusbar import StatusState
from approvald_tui.widgets.tabs import LeasesTable, WarningsTable

DECIDE_ACTIONS = ("approve_once", "approve_session", "approve_always", "deny", "deny_reason",
                  "deny_session")
NARROW = 120  # below this many columns the footer keeps only what is needed most
SECONDARY = ("approve_session", "deny_reason", "toggle_fingerprint", "filter", "move")
FILTER_DEBOUNCE_S = 0.15


class KeyActions(DecisionActions):
    """The key half of `ApprovalsApp`; these are the parts of it the keys use."""

    client: DaemonClient
    clock: Clock
    state: StatusState
    in_flight: dict[str, Approval]
    pending: PendingTable
    detail: DetailPanel
    activity: ActivityTable
    history: HistoryTable
    leases: LeasesTable
    pins: PinsTable
    grants: GrantsTable
    warnings: WarningsTable
    tabs: TabbedContent
    confirm_high_risk: bool
    explained: dict[str, Approval]
    filters: dict[str, Input]
    _filter_timer: Timer | None

    def active_tab(self) -> str:
        raise NotImplementedError

    def on_main_screen(self) -> bool:
        raise NotImplementedError

    def detail_screen(self) -> DetailScreen | None:
        raise NotImplementedError

    def table(self, tab: str) -> DataTable[object] | RowList | None:
        raise NotImplementedError

    def _pending_changed(self) -> None:
        raise NotImplementedError

    def _pins_changed(self, alert: bool = True) -> None:
        raise NotImplementedError

    def fetch_explained(self, approval_id: str) -> None:
        raise NotImplementedError

    def target(self) -> Approval | None:
        """The approval a/s/d/r act on: the one in the detail screen, or the selected row."""
        if not self.screen_stack:
            return None
        detail = self.detail_screen()
        if detail is not None:
            return self.pending.approvals.get(detail.approval_id)
        if not self.on_main_screen() or self.active_tab() != "pending":
            return None
        if not self.pending.selected_on_screen():
            return None  # a key never decides a request the person cannot see
        return self.pending.selected()

    def _nothing_to_decide(self) -> None:
        """Say why a decision key did nothing, when the person might expect it to act."""
        if (self.on_main_screen() and self.active_tab() == "pending"
                and self.pending.selected() is not None):
            self.notify("The selected request is scrolled out of sight: g, G or j/k bring "
                        "it back before a key decides it.", severity="warning", timeout=4)

    def _deciding_view(self) -> bool:
        """Is the person looking at something a/s/d/r can act on (the footer shows them)?"""
        if not self.screen_stack:
            return False
        if self.detail_screen() is not None:
            return True
        return self.on_main_screen() and self.active_tab() == "pending"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides a key from the footer (not here), None shows it dimmed (nothing selected).
        # In a narrow terminal the secondary keys leave the footer (`?` lists them all) so that
        # `? Help` and `q Quit` stay in sight: their visible bindings step aside and hidden
        # twins (`narrow(...)`) act instead.
        narrow = self.size.width < NARROW
        if action == "narrow":
            name = str(parameters[0]) if parameters else ""
            return narrow and self._permitted(name) is True
        if action in SECONDARY and narrow:
            return False
        return self._permitted(action)

    def action_narrow(self, name: str, *args: object) -> None:
        getattr(self, f"action_{name}")(*args)

    def _permitted(self, action: str) -> bool | None:
        if action in DECIDE_ACTIONS or action == "toggle_fingerprint":
            if not self._deciding_view():
                return False
            return True if self.target() is not None else None
        if action == "open_detail":
            if self.detail_screen() is not None or not self.on_main_screen():
                return False
            if self.active_tab() == "pending":
                return True if self.pending.selected() else None
            return True if self._selected_record() is not None else None
        if action == "revoke":
            if not self.on_main_screen() or self.active_tab() not in ("leases", "grants"):
                return False
            table = self.leases if self.active_tab() == "leases" else self.grants
            return True if table.selected() else None
        if action == "accept_pin":
            if not self.on_main_screen() or self.active_tab() != "pins":
                return False
            pin = self.pins.selected()
            return True if pin is not None and pin.get("status") != "pinned" else None
        if action == "leave_filter":
            return isinstance(self.focused, Input) and self.on_main_screen()
        if action == "hide_intro":
            return self.on_main_screen() and bool(self.query("#intro"))
        return True

    def action_move(self, step: int) -> None:
        detail = self.detail_screen()
        if detail is not None:
            detail.panel.scroll_relative(y=step, animate=False)
            return
        table = self.table(self.active_tab())
        if table is not None and table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)),
                              animate=False)

    def action_jump(self, where: str) -> None:
        """g / G (and Home / End in the tables): the first or the last row."""
        detail = self.detail_screen()
        if detail is not None:
            if where == "first":
                detail.panel.scroll_home(animate=False)
            else:
                detail.panel.scroll_end(animate=False)
            return
        if not self.on_main_screen():
            return
        table = self.table(self.active_tab())
        if table is not None and table.row_count:
            table.move_cursor(row=0 if where == "first" else table.row_count - 1,
                              animate=False)

    def action_open_detail(self) -> None:
        """Enter: the selected request's detail, or on the other tabs the whole record of the
        selected row (nothing clipped)."""
        if self.detail_screen() is not None or not self.on_main_screen():
            return
        if self.active_tab() != "pending":
            found = self._selected_record()
            if found is not None:
                self.push_screen(RecordScreen(*found))
            return
        approval = self.pending.selected()
        if approval is None:
            return
        self.push_screen(DetailScreen(approval, self.clock, self.state,
                                      self.explained.get(str(approval.get("id")))))

    def _selected_record(self) -> tuple[str, dict[str, object]] | None:
        tab = self.active_tab()
        if tab == "activity":
            item = self.activity.selected_item()
        elif tab == "history":
            item = self.history.selected_item()
        elif tab == "warnings":
            item = self.warnings.selected_finding()
        elif tab == "grants":
            item = self.grants.selected()
        else:
            return None
        return (f"{tab.title()}: the whole record", dict(item)) if item else None

    def action_toggle_fingerprint(self) -> None:
        now = self.clock()
        detail = self.detail_screen()
        if detail is not None:
            detail.toggle_fingerprint(now)
            return
        panel = self.detail
        panel.full_fingerprint = not panel.full_fingerprint
        panel.refresh_body(now)

    def action_filter(self) -> None:
        if not self.on_main_screen():
            return
        tab = "history" if self.active_tab() == "history" else "activity"
        self.tabs.active = tab
        self.filters[tab].focus()

    def _filtered_table(self, widget: object) -> LogTable | None:
        for tab, field in self.filters.items():
            if widget is field:
                return self.activity if tab == "activity" else self.history
        return None

    def action_leave_filter(self) -> None:
        table = self._filtered_table(self.focused)
        if table is not None:
            table.focus()

    def on_input_changed(self, message: Input.Changed) -> None:
        table = self._filtered_table(message.input)
        if table is None:
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        value = message.value
        self._filter_timer = self.set_timer(FILTER_DEBOUNCE_S, lambda: table.set_filter(value))

    def on_input_submitted(self, message: Input.Submitted) -> None:
        table = self._filtered_table(message.input)
        if table is not None:
            if self._filter_timer is not None:
                self._filter_timer.stop()
            table.set_filter(message.value)
            table.focus()

    def action_revoke(self) -> None:
        """x: revoke the selected lease (Leases) or grant (Grants)."""
        if self.active_tab() == "leases":
            lease = self.leases.selected()
            if lease is not None:
                self.revoke_lease(str(lease.get("lease_id") or lease.get("id")))
        elif self.active_tab() == "grants":
            grant = self.grants.selected()
            if grant is not None:
                self.revoke_grant(str(grant.get("id")))

    @work(group="decide")
    async def revoke_grant(self, approval_id: str) -> None:
        try:
            revoked = await self.client.revoke_grant(approval_id)
        except DaemonError as exc:
            self.notify(f"could not revoke {approval_id}: {exc}", severity="error", timeout=6)
            return
        self.grants.apply({**revoked, "type": "approval.revoked"})
        self.notify(f"{approval_id} revoked: it admits nothing more.", timeout=4)

    @work(group="decide")
    async def revoke_lease(self, lease_id: str) -> None:
        try:
            lease = await self.client.revoke_lease(lease_id)
        except DaemonError as exc:
            self.notify(f"could not revoke {lease_id}: {exc}", severity="error", timeout=6)
            return
        self.leases.apply({**lease, "type": "lease.revoked", "lease_id": lease_id},
                          self.clock())

    def action_accept_pin(self) -> None:
        pin = self.pins.selected() if self.active_tab() == "pins" else None
        if pin is not None and pin.get("status") != "pinned":
            self.accept_pin(str(pin.get("server")), str(pin.get("tool")))

    @work(group="decide")
    async def accept_pin(self, server: str, tool: str) -> None:
        try:
            accepted = await self.client.accept_pins(server, tool)
        except DaemonError as exc:
            self.notify(f"could not accept {server} {tool}: {exc}", severity="error",
                        timeout=6)
            return
        for pin in accepted:
            self.pins.apply(pin)
        self._pins_changed(alert=False)
        self.notify(f"accepted {server} {tool}" if accepted else
                    f"{server} {tool} was no longer withheld", timeout=4)

    def action_help(self) -> None:
        if self.screen_stack and not isinstance(self.screen_stack[-1], HelpScreen):
            self.push_screen(HelpScreen())

    def action_tab(self, name: str) -> None:
        if self.on_main_screen() and self.tabs.query(f"#{name}"):
            self.tabs.active = name

    def action_hide_intro(self) -> None:
        for banner in self.query("#intro"):
            banner.remove()

    def action_quit_app(self) -> None:
        self.exit(0)
