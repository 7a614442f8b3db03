"""The pending approvals table: oldest first, with age and the countdown to the automatic deny."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from approvald_tui.model import (
    Approval,
    age,
    countdown,
    one_line,
    parse_ts,
    project,
    seconds_left,
)

COLUMNS = (("Age", "age"), ("Auto-deny in", "left"), ("Agent", "agent"),
           ("Project", "project"), ("Tool", "tool"), ("Command / path / URL", "summary"))
URGENT_S = 30.0  # the countdown turns red below this


def _created_key(approval: Approval) -> tuple[float, str]:
    created = parse_ts(approval.get("created_at"))
    return (created.timestamp() if created else 0.0, str(approval.get("id", "")))


class PendingTable(DataTable[object]):
    """One row per pending approval, keyed by approval id."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Detail", id="pending.detail"),
        # DataTable's own home/end scroll sideways and leave the selection where it was.
        Binding("home", "first", "First", show=False, id="pending.first"),
        Binding("end", "last", "Last", show=False, id="pending.last"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.approvals: dict[str, Approval] = {}
        self.now = datetime.now()

    def on_mount(self) -> None:
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    # --- reading -----------------------------------------------------------------------------

    def ordered(self) -> list[Approval]:
        return sorted(self.approvals.values(), key=_created_key)

    def selected(self) -> Approval | None:
        if not self.approvals or self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except RowDoesNotExist:
            return None
        return self.approvals.get(str(key.value))

    def selected_on_screen(self) -> bool:
        """Is the selected row inside the part of the table the person can see? (A mouse
        wheel scrolls the rows without moving the selection.)"""
        if self.row_count == 0:
            return False
        top = int(self.scroll_offset.y)
        visible = max(1, self.size.height - (self.header_height if self.show_header else 0))
        return top <= self.cursor_row < top + visible

    def action_first(self) -> None:
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_last(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)

    # --- changing ----------------------------------------------------------------------------

    def _cells(self, approval: Approval) -> list[object]:
        left = seconds_left(approval, self.now)
        countdown_text = Text(countdown(approval, self.now))
        summary = Text(one_line(approval.get("summary"), 300))
        if approval.get("agent_gone_at"):
            # Nobody waits for the answer any more: say so where the countdown was.
            countdown_text = Text("agent gone", style="dim italic")
            summary.stylize("dim")
        elif left is not None and left < URGENT_S:
            countdown_text.stylize("bold red")
        if approval.get("high_risk"):
            summary = Text.assemble(("HIGH RISK ", "bold red"), summary)
        return [
            age(approval, self.now),
            countdown_text,
            str(approval.get("agent") or "-"),
            project(approval.get("cwd")),
            str(approval.get("tool") or "-"),
            summary,
        ]

    def set_all(self, approvals: list[Approval], now: datetime) -> None:
        """Replace everything (after a (re)connect), keeping the selection if it still exists."""
        self.now = now
        current = self.selected()
        self.approvals = {str(a["id"]): a for a in approvals if a.get("id")}
        self._rebuild(str(current["id"]) if current else None)

    def upsert(self, approval: Approval, now: datetime) -> bool:
        """Add or refresh one approval; True when it is new. Keeps the selection."""
        self.now = now
        approval_id = str(approval.get("id") or "")
        if not approval_id:
            return False
        is_new = approval_id not in self.approvals
        self.approvals[approval_id] = approval
        if not is_new:
            for (_, key), cell in zip(COLUMNS, self._cells(approval), strict=True):
                self.update_cell(approval_id, key, cell)
            return False
        newest = max(self.approvals.values(), key=_created_key)
        if newest is approval:
            was_empty = self.row_count == 0
            self.add_row(*self._cells(approval), key=approval_id)
            if was_empty:
                self.move_cursor(row=0)
        else:  # an older one arrived late: keep oldest-first order
            current = self.selected()
            self._rebuild(str(current["id"]) if current else approval_id)
        return True

    def remove_approval(self, approval_id: str) -> Approval | None:
        approval = self.approvals.pop(approval_id, None)
        if approval is None:
            return None
        row = self.cursor_row
        try:
            self.remove_row(approval_id)
        except RowDoesNotExist:
            pass
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))
        return approval

    def tick(self, now: datetime) -> None:
        """Refresh the ages and countdowns."""
        self.now = now
        for approval_id, approval in self.approvals.items():
            cells = self._cells(approval)
            # 9s becomes 1m04s: the column widens with it instead of clipping it
            self.update_cell(approval_id, "age", cells[0], update_width=True)
            self.update_cell(approval_id, "left", cells[1], update_width=True)

    def _rebuild(self, select_id: str | None) -> None:
        self.clear()
        ordered = self.ordered()
        for approval in ordered:
            self.add_row(*self._cells(approval), key=str(approval["id"]))
        ids = [str(a["id"]) for a in ordered]
        if ids:
            self.move_cursor(row=ids.index(select_id) if select_id in ids else 0)
