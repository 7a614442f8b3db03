"""A yes/no question before a key acts: approving what a `risk: high` rule asked about (when
configured), denying every request of a session. `y` answers yes; anything else is no."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("escape,n", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self.question, style="bold"), id="confirm-title")
            if self.detail:
                yield Static(Text(self.detail), id="confirm-detail")
            yield Static(Text.assemble(("y", "bold cyan"), " yes    ", ("any other key", "bold"),
                                       " no"), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_key(self, event: events.Key) -> None:
        # A stray key must not say yes: whatever is not `y` says no.
        if event.key != "y":
            event.stop()
            self.dismiss(False)
