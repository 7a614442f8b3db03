"""`enter` on an Activity, History, Grants or Warnings row: the whole record, every field
unclipped (paths, reasons and fixes are often longer than a column)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

# Shown first, in this order; every other field follows as it came.
FIRST = ("type", "ts", "decision", "status", "approval_status", "grant", "decided_by",
         "decision_reason", "summary", "cwd", "agent", "session_id", "tool", "kind", "rules",
         "reason", "severity", "title", "file", "detail", "fix")
SKIPPED = ("action",)


def render_record(title: str, record: dict[str, Any]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    keys = [k for k in FIRST if k in record] + sorted(
        k for k in record if k not in FIRST and k not in SKIPPED)
    for key in keys:
        value = record[key]
        if value is None or value == "" or value == []:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        table.add_row(key, Text(shown))
    table.title = title
    table.title_style = "bold"
    return table


class RecordScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Back", id="record.close"),
    ]

    def __init__(self, title: str, record: dict[str, Any]) -> None:
        super().__init__()
        self.title_text = title
        self.record = record

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="record-body"):
            yield Static(render_record(self.title_text, self.record))
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
