"""`?`: what every key does."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("a", "approve the selected request once (no confirmation)"),
    ("s", "approve it for the rest of that agent session (same fingerprint only)"),
    ("A", "always: write a rule, proposed from the request, that allows ones like it from now "
          "on (shows the rule and what it would have matched first)"),
    ("d", "deny it (no confirmation)"),
    ("r", "deny it with a reason; what you type reaches the agent"),
    ("D", "deny every pending request of its agent session (asks first)"),
    ("j / k, ↓ / ↑", "move the selection"),
    ("g / G, Home / End", "the first / the last row"),
    ("enter", "the selected request's full detail; on other tabs the whole record"),
    ("f", "show the full fingerprint"),
    ("/", "filter the activity or history list"),
    ("x", "revoke the selected lease (Leases) or grant (Grants)"),
    ("c", "accept the selected withheld MCP tool's new definition (Pins tab)"),
    ("1 - 8", "Pending, Activity, History, Warnings, Leases, Pins, Sessions, Grants"),
    ("?", "this help"),
    ("q", "quit (requests stay pending in the daemon)"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,enter", "dismiss_help", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 3))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, text in KEYS:
            table.add_row(key, text)
        with Vertical(id="help-box"):
            yield Static(Text("approvald: keys", style="bold"), id="help-title")
            yield Static(table)
            yield Static(Text(
                "An approval admits exactly the action whose fingerprint it carries. A request "
                "nobody answers is denied by the daemon when its countdown ends; one whose "
                "agent stopped waiting is marked, and approving it lets nothing through. With "
                "confirm_high_risk in config.toml, approving what a risk: high rule asked about "
                "asks again.",
                style="dim"))

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
