"""Warnings (doctor findings) and Leases (credential leases), fed by the same event stream."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from approvald_tui.model import Event, countdown, one_line

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
SEVERITY_STYLES = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


class WarningsTable(DataTable[object]):
    """The latest doctor findings; each `findings` event replaces the whole list."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.findings: list[dict[str, Any]] = []

    def on_mount(self) -> None:
        for label in ("Severity", "Agent", "File", "Title", "Fix"):
            self.add_column(label, key=label.lower())

    def set_findings(self, findings: list[dict[str, Any]]) -> None:
        self.findings = sorted((f for f in findings if isinstance(f, dict)),
                               key=lambda f: SEVERITY_ORDER.get(str(f.get("severity")), 9))
        self.clear()
        for finding in self.findings:
            severity = str(finding.get("severity") or "info")
            self.add_row(Text(severity.upper(), style=SEVERITY_STYLES.get(severity, "")),
                         str(finding.get("agent") or "-"), one_line(finding.get("file"), 60),
                         one_line(finding.get("title"), 80), one_line(finding.get("fix"), 80))

    def selected_finding(self) -> dict[str, Any] | None:
        if not self.findings or self.row_count == 0:
            return None
        row = self.cursor_coordinate.row
        return self.findings[row] if 0 <= row < len(self.findings) else None

    @property
    def high_count(self) -> int:
        return sum(1 for f in self.findings if f.get("severity") == "high")


class LeasesTable(DataTable[object]):
    """Active leases with their countdown; revoked, expired and used-up ones leave."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.leases: dict[str, dict[str, Any]] = {}

    def on_mount(self) -> None:
        for label, key in (("Lease", "id"), ("Secret", "name"), ("Expires in", "left"),
                           ("Session", "session"), ("For", "for"), ("Used", "used")):
            self.add_column(label, key=key)

    @staticmethod
    def lease_key(lease: dict[str, Any]) -> str:
        return str(lease.get("lease_id") or lease.get("id") or "")

    def _add(self, lease: dict[str, Any], now: datetime) -> None:
        lease_id = self.lease_key(lease)
        self.leases[lease_id] = dict(lease)
        self.add_row(lease_id, str(lease.get("name") or "-"), countdown(lease, now),
                     str(lease.get("session_id") or "-"), str(lease.get("for_pattern") or "-"),
                     str(lease.get("use_count") or 0), key=lease_id)

    def _drop(self, lease_id: str) -> None:
        if self.leases.pop(lease_id, None) is not None:
            self.remove_row(lease_id)

    def set_leases(self, leases: list[dict[str, Any]], now: datetime) -> None:
        self.clear()
        self.leases = {}
        for lease in leases:
            if self.lease_key(lease) and lease.get("status", "active") == "active":
                self._add(lease, now)

    def apply(self, event: Event, now: datetime) -> None:
        inner = event.get("lease")
        lease: dict[str, Any] = inner if isinstance(inner, dict) else event
        lease_id = self.lease_key(lease)
        if not lease_id:
            return
        kind = event.get("type")
        if kind in ("lease.revoked", "lease.expired") or lease.get("status") in (
                "revoked", "expired", "used"):
            self._drop(lease_id)
        elif kind == "lease.used" and lease_id in self.leases:
            entry = self.leases[lease_id]
            entry["use_count"] = lease.get("use_count", int(entry.get("use_count") or 0) + 1)
            self.update_cell(lease_id, "used", str(entry["use_count"]))
        elif kind == "lease.created" and lease_id not in self.leases:
            self._add(lease, now)

    def selected(self) -> dict[str, Any] | None:
        if not self.leases or self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return self.leases.get(str(key.value))

    def tick(self, now: datetime) -> None:
        for lease_id, lease in self.leases.items():
            self.update_cell(lease_id, "left", countdown(lease, now))
