"""`enter`: one approval's detail on a screen of its own (a/s/d/r still decide it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer

from approvald_tui.model import Approval
from approvald_tui.widgets.detail import DetailPanel
from approvald_tui.widgets.statusbar import StatusBar, StatusState


class DetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Back", id="detail.close"),
    ]

    def __init__(self, approval: Approval, clock: Callable[[], datetime],
                 status: StatusState, explained: Approval | None = None) -> None:
        super().__init__()
        self.approval = approval
        self.explained = explained
        self.clock = clock
        # Made here, not looked up: events may update this screen before it is composed.
        self.panel = DetailPanel(id="detail-full")
        self.status_bar = StatusBar(status, id="detail-status")

    @property
    def approval_id(self) -> str:
        return str(self.approval.get("id", ""))

    def compose(self) -> ComposeResult:
        yield self.status_bar
        yield self.panel
        yield Footer()

    def on_mount(self) -> None:
        self.panel.show(self.approval, self.clock(), self.explained)

    def show_explained(self, explained: Approval, now: datetime) -> None:
        self.explained = explained
        if self.panel.is_mounted:
            self.panel.show(self.approval, now, explained)

    def refresh_status(self) -> None:
        """The same status line as the main screen, so a lost daemon shows here too."""
        if self.status_bar.is_mounted:
            self.status_bar.show()

    def tick(self, now: datetime) -> None:
        if self.panel.is_mounted:
            self.panel.refresh_body(now)

    def toggle_fingerprint(self, now: datetime) -> None:
        self.panel.full_fingerprint = not self.panel.full_fingerprint
        if self.panel.is_mounted:
            self.panel.refresh_body(now)

    def action_close(self) -> None:
        self.dismiss(None)
