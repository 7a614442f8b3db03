"""The status line: is the daemon there, which policy, how many sessions, the last policy error,
and while records go to a collector, how many were sent and lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.widgets import Static

from approvald_tui.model import short_fingerprint


@dataclass
class StatusState:
    """Shared by every screen's status line."""

    connected: bool = False
    status: dict[str, Any] = field(default_factory=dict)
    error: str = "connecting to the daemon…"
    retry_in: float | None = None
    pending: int = 0
    warnings: int = 0
    high_warnings: int = 0
    endpoint: str = ""


def status_text(state: StatusState) -> Text:
    text = Text()
    if not state.connected:
        text.append(" ✕ daemon not connected ", style="bold white on red")
        detail = f"  {state.error}" if state.error else ""
        if state.retry_in is not None:
            detail += f" · retrying in {state.retry_in:g}s"
        text.append(detail, style="red")
        if state.endpoint:
            text.append(f" · {state.endpoint}", style="dim")
        return text
    text.append(" ● daemon connected ", style="bold black on green")
    policy = state.status.get("policy_hash")
    text.append(f"  policy {short_fingerprint(policy) if policy else '-'}")
    sessions = state.status.get("sessions")
    text.append(f" · sessions {sessions if isinstance(sessions, int) else '-'}")
    text.append(f" · pending {state.pending}")
    if state.warnings:
        style = "bold red" if state.high_warnings else "yellow"
        text.append(f" · warnings {state.warnings}", style=style)
    export = state.status.get("export")
    if isinstance(export, dict):
        dropped = export.get("dropped") or 0
        text.append(f" · export sent {export.get('sent', 0)}")
        text.append(f" dropped {dropped}", style="bold yellow" if dropped else "")
        if export.get("error"):  # the whole message is in `approvald status`
            text.append(" (failing)", style="yellow")
    error = state.status.get("policy_error")
    if error:
        text.append(f" · policy error: {error}", style="bold red")
    return text


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; padding: 0 1; }
    """

    def __init__(self, state: StatusState, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.state = state

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        self.update(status_text(self.state))
