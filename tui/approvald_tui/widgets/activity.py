"""Activity (every decision as it happens) and History (decided approvals): capped, filterable.

Both keep their last `cap` items and show the ones matching the filter: Activity newest at the
bottom (the cursor follows new rows while it sits on the last one), History newest at the top
(the cursor stays on its row as newer ones arrive above it, and follows them from the top).
Memory may run `slack` items over the cap before the oldest are dropped in one go (dropping one
at a time from the front of a list would cost O(rows) per event).
"""

from __future__ import annotations

from datetime import timezone
from typing import Any

from rich.text import Text

from approvald_tui.model import (
    Event,
    activity_why,
    approval_of,
    clock_time,
    decision_label,
    matches_filter,
    one_line,
    project,
)
from approvald_tui.widgets.rowlist import Cell, RowList

ACTIVITY_CAP = 5000

DECISION_STYLES = {
    "ALLOW": "green",
    "DENY": "bold red",
    "REQUIRE_APPROVAL": "bold yellow",
    "ASKED": "bold yellow",
    "ADMITTED": "green",
    "REVOKED": "magenta",
    "AGENT GONE": "dim yellow",
    "APPROVED": "bold green",
    "DENIED": "bold red",
    "EXPIRED": "red",
    "PENDING": "yellow",
}


class LogTable(RowList):
    """A capped, filterable, append-only list; subclasses say what a row shows."""

    NEWEST_FIRST = False

    def __init__(self, cap: int = ACTIVITY_CAP, tz: timezone | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cap = cap
        self.slack = max(1, cap // 10)
        self.tz = tz
        # (key, cells, lowercase text, the item itself)
        self.items: list[tuple[str, list[Cell], str, Event]] = []
        self.shown: list[Event] = []  # the items behind the rows on screen, in their order
        self.known: set[str] = set()
        self.filter_text = ""

    def cells(self, item: Event) -> list[Cell]:
        raise NotImplementedError

    def key_of(self, item: Event) -> str | None:
        """A key to recognize the same item twice (None: every item is new)."""
        return None

    def add_items(self, batch: list[Event]) -> None:
        """Append a batch (one redraw for many events)."""
        if self.NEWEST_FIRST:
            follow = self.row_count == 0 or self.cursor_row == 0
        else:
            follow = self.row_count == 0 or self.cursor_row >= self.row_count - 1
        rows: list[list[Cell]] = []
        added: list[Event] = []
        for item in batch:
            key = self.key_of(item)
            if key is not None:
                if key in self.known:
                    continue
                self.known.add(key)
            cells = self.cells(item)
            texts = " ".join(c.plain if isinstance(c, Text) else str(c) for c in cells)
            self.items.append((key or "", cells, texts, item))
            if matches_filter([texts], self.filter_text):
                rows.append(cells)
                added.append(item)
        if len(self.items) > self.cap + self.slack:
            dropped = self.items[: len(self.items) - self.cap]
            del self.items[: len(dropped)]
            self.known.difference_update(key for key, _, _, _ in dropped)
            self._refilter()
        elif rows and self.NEWEST_FIRST:
            self.shown = added[::-1] + self.shown
            self.set_rows(rows[::-1] + self.view)
            if not follow:  # keep the person's row under the cursor
                self.move_cursor(row=self.cursor_row + len(rows))
        elif rows:
            self.shown.extend(added)
            self.append_rows(rows)
        if follow and self.row_count and rows:
            self.move_cursor(row=0 if self.NEWEST_FIRST else self.row_count - 1)

    def replace(self, batch: list[Event]) -> None:
        """Start over with `batch` (after a reconnect: the daemon's view is the truth)."""
        self.items = []
        self.shown = []
        self.known = set()
        self.set_rows([])
        self.add_items(batch)

    def set_filter(self, text: str) -> None:
        if text == self.filter_text:
            return
        self.filter_text = text
        self._refilter()
        if self.row_count:
            self.move_cursor(row=0 if self.NEWEST_FIRST else self.row_count - 1)

    def _refilter(self) -> None:
        needle = self.filter_text
        kept = [(cells, item) for _, cells, texts, item in self.items
                if matches_filter([texts], needle)]
        if self.NEWEST_FIRST:
            kept.reverse()
        self.shown = [item for _, item in kept]
        self.set_rows([cells for cells, _ in kept])

    def selected_item(self) -> Event | None:
        """The item behind the row under the cursor."""
        if not self.shown or self.cursor_row >= len(self.shown):
            return None
        return self.shown[self.cursor_row]


class ActivityTable(LogTable):
    """Every decision the daemon makes, and every approval decided, as it happens."""

    COLUMNS = (("Time", 8), ("Decision", 10), ("Agent", 11), ("Project", 12), ("Tool", 9),
               ("Command / path / URL", 36), ("Why", 10))

    def key_of(self, item: Event) -> str | None:
        # The daemon stamps each event once (`ts`, milliseconds); the same event can reach us
        # twice: in /v1/activity and on the stream subscribed just before it was read.
        if not item.get("ts"):
            return None
        return "|".join(str(item.get(k) or "") for k in ("type", "ts", "fingerprint", "id",
                                                         "approval_id"))

    def cells(self, item: Event) -> list[Cell]:
        if str(item.get("type", "")).startswith("approval."):
            item = {**approval_of(item), "type": item.get("type"),
                    "ts": item.get("ts") or approval_of(item).get("decided_at")}
        label = decision_label(item)
        return [
            clock_time(item.get("ts"), self.tz),
            Text(label, style=DECISION_STYLES.get(label, "")),
            str(item.get("agent") or "-"),
            project(item.get("cwd")),
            str(item.get("tool") or "-"),
            one_line(item.get("summary"), 200),
            one_line(activity_why(item), 300),
        ]


class HistoryTable(LogTable):
    """Decided approvals, newest first: who decided, and why."""

    NEWEST_FIRST = True

    COLUMNS = (("Decided", 8), ("Status", 9), ("By", 10), ("Scope", 8), ("Project", 12),
               ("Command / path / URL", 40), ("Why", 10))

    def key_of(self, item: Event) -> str | None:
        approval_id = item.get("id")
        return str(approval_id) if approval_id else None

    def cells(self, item: Event) -> list[Cell]:
        status = str(item.get("status") or "?").upper()
        why = item.get("decision_reason") or ""
        if why and item.get("decided_by") in ("cli", "dashboard"):
            why = f'{item["decided_by"]} wrote "{why}"'
        if not why and status == "EXPIRED":
            why = "no decision in time"
        if item.get("grant") == "none":
            why = "its agent had stopped waiting: nothing was let through"
        return [
            clock_time(item.get("decided_at") or item.get("created_at"), self.tz),
            Text(status, style=DECISION_STYLES.get(status, "")),
            str(item.get("decided_by") or "-"),
            str(item.get("scope") or "-"),
            project(item.get("cwd")),
            one_line(item.get("summary"), 200),
            one_line(why or f"asked because {item.get('reason') or '-'}", 300),
        ]
