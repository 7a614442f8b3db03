"""Live agent sessions: project, permission mode, the agent's process, the agent's own
permission prompts waiting, and settings changes approvald blocked (`session.*`,
`config.changed` events; GET /v1/sessions at connect)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from approvald_tui.model import Approval, Event, clock_time, one_line, project

PROMPT_RULE = "agent-permission-prompt"  # an approval that is the agent's own prompt
COLUMNS = (("Agent", "agent"), ("Session", "session"), ("Project", "project"), ("Mode", "mode"),
           ("Process", "pid"), ("Since", "since"), ("Asks", "asks"), ("Settings", "settings"))
RISKY_MODES = {"bypassPermissions": "bold red", "dontAsk": "yellow", "auto": "cyan"}


def is_agent_prompt(approval: Approval) -> bool:
    """The agent's own permission dialog, shown here too (answered like any approval)."""
    return PROMPT_RULE in (approval.get("rules") or [])


class SessionsTable(DataTable[object]):
    """One row per live session, keyed by session id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.sessions: dict[str, dict[str, Any]] = {}
        self.asks: dict[str, int] = {}  # session -> its agent's prompts waiting here
        self.blocked: dict[str, list[str]] = {}  # session -> reasons of blocked changes

    def on_mount(self) -> None:
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    def _cells(self, session: dict[str, Any]) -> list[object]:
        session_id = str(session.get("session_id") or "")
        mode = str(session.get("permission_mode") or "-")
        blocked = self.blocked.get(session_id, [])
        settings: Text | str = "-"
        if blocked:
            settings = Text(f"blocked {len(blocked)}: {one_line(blocked[-1], 60)}",
                            style="bold red")
        asks = self.asks.get(session_id, 0)
        return [str(session.get("agent") or "-"), session_id[:8] or "-",
                project(session.get("project") or session.get("cwd")),
                Text(mode, style=RISKY_MODES.get(mode, "")),
                str(session.get("agent_pid") or "-"),
                clock_time(session.get("started_at"), None),
                Text(str(asks), style="bold yellow") if asks else "-", settings]

    def _show(self) -> None:
        cursor = self.cursor_row
        self.clear()
        for session_id, session in sorted(self.sessions.items(),
                                          key=lambda kv: str(kv[1].get("started_at") or "")):
            self.add_row(*self._cells(session), key=session_id)
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1), animate=False)

    def set_sessions(self, sessions: list[dict[str, Any]]) -> None:
        self.sessions = {str(s["session_id"]): dict(s) for s in sessions
                         if isinstance(s, dict) and s.get("session_id")}
        self._show()

    def apply(self, event: Event) -> None:
        """A `session.started|updated|ended` event."""
        session_id = str(event.get("session_id") or "")
        if not session_id:
            return
        if event.get("type") == "session.ended":
            self.sessions.pop(session_id, None)
            self.blocked.pop(session_id, None)
        else:
            self.sessions[session_id] = {k: v for k, v in event.items() if k not in ("type",
                                                                                     "ts")}
        self._show()

    def config_blocked(self, event: Event) -> str:
        """A blocked settings change: kept on its session's row; the line to tell the person."""
        reasons = [str(r) for r in event.get("reasons") or []] or ["weakened approvald's hooks"]
        session_id = str(event.get("session_id") or "")
        self.blocked.setdefault(session_id, []).extend(reasons)
        self._show()
        return f"blocked a change to {event.get('file') or 'a settings file'}: {reasons[0]}"

    def set_prompts(self, pending: list[Approval]) -> None:
        """The agents' own prompts among the pending approvals, counted by session."""
        asks: dict[str, int] = {}
        for approval in pending:
            if is_agent_prompt(approval):
                key = str(approval.get("session_id") or "")
                asks[key] = asks.get(key, 0) + 1
        if asks != self.asks:
            self.asks = asks
            self._show()
