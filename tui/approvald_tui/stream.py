"""The dashboard's side of the daemon's event stream: subscribe, load the state at hello,
and turn each event into what the tables show. Mixed into `ApprovalsApp`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual import work
from textual.widgets import TabbedContent

from approvald.model.notices import approval_notice
from approvald_tui.client import DaemonClient, DaemonError
from approvald_tui.keys import KeyActions
from approvald_tui.messages import Connected, DaemonEvent, Disconnected
from approvald_tui.model import Approval, Clock, Event, approval_of, parse_ts
from approvald_tui.widgets.activity import ActivityTable, HistoryTable
from approvald_tui.widgets.pins import PinDiff, PinsTable
from approvald_tui.widgets.sessions import SessionsTable
from approvald_tui.widgets.statusbar import StatusBar, StatusState
from approvald_tui.widgets.tabs import WarningsTable

ACTIVITY_LOAD = 5000  # events asked for at connect; the table keeps the same number
HISTORY_LOAD = 500
ACTIVITY_FLUSH_S = 0.05  # decisions arriving together land in one table update
STATUS_REFRESH_S = 5.0  # at most this often, decisions trigger a status refresh (sessions)


class StreamHandlers(KeyActions):
    """The event half of `ApprovalsApp`; these are the parts of it the stream uses."""

    client: DaemonClient
    clock: Clock
    backoff: tuple[float, float]
    give_up: Callable[[], bool] | None
    state: StatusState
    status_bar: StatusBar
    activity: ActivityTable
    history: HistoryTable
    warnings: WarningsTable
    pins: PinsTable
    pin_diff: PinDiff
    sessions: SessionsTable
    tabs: TabbedContent
    _activity_buffer: list[Event]
    _flush_timer: Any
    _last_status_refresh: float

    def _alert(self, title: str, body: str) -> None:
        raise NotImplementedError

    def _refresh_status_bars(self) -> None:
        raise NotImplementedError

    def _show_selected(self) -> None:
        raise NotImplementedError

    @work(exclusive=True, group="events")
    async def follow_events(self) -> None:
        """Subscribe, load the state when the stream says hello, pass every event on; when the
        stream breaks, say so and try again with a growing pause."""
        first, longest = self.backoff
        delay = first
        while True:
            try:
                loaded = False
                async for event in self.client.events():
                    if not loaded:
                        await self._load_state(event)
                        loaded = True
                        delay = first
                        if event.get("type") == "hello":
                            continue
                    self.post_message(DaemonEvent(event))
                error = "the daemon closed the event stream"
            except DaemonError as exc:
                error = str(exc)
            except Exception as exc:  # a bug or a surprise from the network: keep trying
                error = f"{type(exc).__name__}: {exc}"
            if self.give_up is not None and self.give_up():
                self.exit(return_code=1)
                return
            self.post_message(Disconnected(error, delay))
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)

    async def _load_state(self, hello: Event) -> None:
        status = status_of_hello(hello)
        if status is None:
            status = await self.client.status()
        pending = await self.client.approvals("pending")
        decided = [a for a in await self.client.approvals("all", limit=HISTORY_LOAD)
                   if a.get("status") != "pending"]
        activity = await self.client.activity(limit=ACTIVITY_LOAD)
        leases = await self.client.leases()
        findings = await self.client.findings()
        pins = await self.client.pins()
        sessions = await self.client.sessions()
        grants = await self.client.grants()
        self.post_message(Connected(status, pending, decided, activity, leases, findings, pins,
                                    sessions, grants))

    def on_connected(self, message: Connected) -> None:
        now = self.clock()
        self.state.connected = True
        self.state.status = dict(message.status)
        self.state.error = ""
        self.state.retry_in = None
        self.pending.set_all([a for a in message.pending if a.get("id") not in self.in_flight],
                             now)
        self.history.replace(sorted(message.decided, key=_decided_key))
        self.activity.replace(sorted(message.activity, key=lambda e: _ts_key(e.get("ts"))))
        if message.leases is not None:
            self.leases.set_leases(message.leases, now)
        if message.findings is not None:
            self._findings({"findings": message.findings}, alert=False)
        if message.pins is not None:
            self.pins.set_pins(message.pins)
            self._pins_changed(alert=False)
        if message.sessions is not None:
            self.sessions.set_sessions(message.sessions)
        if message.grants is not None:
            self.grants.set_grants(message.grants)
        self.explained.clear()  # the policy may have changed while we were away
        self._pending_changed()

    def on_disconnected(self, message: Disconnected) -> None:
        self.state.connected = False
        self.state.error = message.error
        self.state.retry_in = message.retry_in
        self._refresh_status_bars()

    def on_daemon_event(self, message: DaemonEvent) -> None:
        event = message.event
        kind = event.get("type")
        if kind == "decision":
            self._queue_activity(event)
            self.grants.apply(event)
            self._maybe_refresh_status()
        elif kind == "approval.created":
            self._approval_created(approval_of(event))
        elif kind == "approval.decided":
            self._approval_decided(approval_of(event), event)
            self.grants.apply(event)
        elif kind == "approval.agent_gone":
            approval = approval_of(event)
            if str(approval.get("id")) in self.pending.approvals:
                self.pending.upsert(approval, self.clock())
                self._show_selected()
            self._queue_activity({**event, **approval, "type": kind})
        elif kind == "approval.revoked":
            self.grants.apply(event)
            self._queue_activity({**event, **approval_of(event), "type": kind})
        elif kind == "policy.reloaded":
            self.state.status["policy_hash"] = event.get("policy_hash")
            self.state.status["policy_error"] = event.get("policy_error")
            self.explained.clear()  # proposals follow the policy in force
            self._show_selected()
            self._refresh_status_bars()
        elif kind == "policy.error":
            self.state.status["policy_error"] = event.get("error") or "unknown error"
            self._refresh_status_bars()
        elif kind == "findings":
            self._findings(event)
        elif isinstance(kind, str) and kind.startswith("lease."):
            self.leases.apply(event, self.clock())
        elif isinstance(kind, str) and kind.startswith("mcp.pin."):
            self.pins.apply(event)
            self._pins_changed(alert=kind in ("mcp.pin.changed", "mcp.pin.flagged"))
        elif kind == "mcp.injection":
            self._alert("approvald: prompt injection?",
                        f"{event.get('server')}.{event.get('tool') or ''}: text aimed at the "
                        f"model in a {event.get('where') or 'result'} ({event.get('action')})")
        elif isinstance(kind, str) and kind.startswith("session."):
            self.sessions.apply(event)
        elif kind == "config.changed" and event.get("blocked"):
            line = self.sessions.config_blocked(event)
            self._alert("approvald: settings change blocked", line)
            self.notify(line, title="approvald", severity="warning", timeout=10)
        elif kind == "hello":
            self.state.status = status_of_hello(event) or self.state.status
            self._refresh_status_bars()

    def _approval_created(self, approval: Approval) -> None:
        if approval.get("status", "pending") != "pending" or approval.get("id") in self.in_flight:
            return
        if self.pending.upsert(approval, self.clock()):
            title, body = approval_notice(approval)  # the daemon's webhook says the same
            self._alert(title, body)
        self._pending_changed()

    def _approval_decided(self, approval: Approval, event: Event) -> None:
        approval_id = str(approval.get("id") or "")
        self.in_flight.pop(approval_id, None)
        self.pending.remove_approval(approval_id)
        self.explained.pop(approval_id, None)
        self.history.add_items([approval])
        self._queue_activity({**event, **approval, "type": "approval.decided"})
        detail = self.detail_screen()
        if detail is not None and detail.approval_id == approval_id:
            detail.dismiss(None)
            self.notify(f"{approval_id} was {approval.get('status')} "
                        f"by {approval.get('decided_by') or 'someone'}", timeout=4)
        self._pending_changed()

    def _findings(self, event: Event, alert: bool = True) -> None:
        table = self.warnings
        before = table.high_count
        findings = event.get("findings")
        table.set_findings(findings if isinstance(findings, list) else [])
        self.state.warnings = len(table.findings)
        self.state.high_warnings = table.high_count
        self.tabs.get_tab("warnings").label = (
            f"Warnings ({len(table.findings)})" if table.findings else "Warnings")
        if alert and table.high_count > before:
            self._alert("approvald: new warning", "an agent tool is not guarded; see Warnings")
        self._refresh_status_bars()

    def _pins_changed(self, alert: bool = True) -> None:
        held = self.pins.withheld
        self.tabs.get_tab("pins").label = f"Pins ({held} held)" if held else "Pins"
        self.pin_diff.show(self.pins.selected())
        if alert and held:
            self._alert("approvald: MCP tool withheld",
                        "a tool's definition changed or looks like an injection; see Pins")
        self._refresh_keys()

    def _queue_activity(self, event: Event) -> None:
        self._activity_buffer.append(event)
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(ACTIVITY_FLUSH_S, self._flush_activity)

    def _flush_activity(self) -> None:
        self._flush_timer = None
        batch, self._activity_buffer = self._activity_buffer, []
        if batch:
            self.activity.add_items(batch)

    def _maybe_refresh_status(self) -> None:
        now = self.clock().timestamp()
        if now - self._last_status_refresh >= STATUS_REFRESH_S:
            self._last_status_refresh = now
            self.refresh_status()

    @work(exclusive=True, group="status")
    async def refresh_status(self) -> None:
        try:
            status = await self.client.status()
        except DaemonError:
            return  # the event stream reports a lost daemon
        self.state.status.update(status)
        self._refresh_status_bars()


def status_of_hello(event: Event) -> dict[str, Any] | None:
    """The daemon's status carried by a `hello` event (inline, or under `status`)."""
    if event.get("type") != "hello":
        return None
    if isinstance(event.get("status"), dict):
        return dict(event["status"])
    if "running" in event or "policy_hash" in event:
        return {k: v for k, v in event.items() if k not in ("type", "ts")}
    return None


def _ts_key(value: Any) -> float:
    parsed = parse_ts(value)
    return parsed.timestamp() if parsed else 0.0


def _decided_key(approval: Approval) -> float:
    return _ts_key(approval.get("decided_at") or approval.get("created_at"))


