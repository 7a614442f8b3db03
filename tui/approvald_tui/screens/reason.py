"""`r`: a small input for the reason of a deny (the text reaches the agent)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class ReasonScreen(ModalScreen["str | None"]):
    """Dismissed with the typed text (enter) or None (escape: nothing is denied)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="reason.cancel"),
    ]

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box"):
            yield Static(f"Deny: {self.summary}", id="reason-title", markup=False)
            yield Input(placeholder="why (the agent reads this); enter denies, escape cancels",
                        id="reason-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
