"""Grants: approved requests that still admit their action (session grants, and once-grants
nobody has used yet), with whether and how often each was used. `x` revokes the selected one.
The list is read from the daemon at connect and whenever the tab is opened; session grants
approved meanwhile join from the event stream."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from approvald_tui.model import Approval, Event, approval_of, clock_time, one_line, project

COLUMNS = (("Approved", "approved"), ("Scope", "scope"), ("Used", "used"), ("By", "by"),
           ("Agent", "agent"), ("Project", "project"), ("Command / path / URL", "summary"))


def _used(grant: Approval) -> Text:
    count = int(grant.get("use_count") or 0)
    if not count:
        return Text("not yet", style="yellow")
    return Text(f"{count}x", style="green")


class GrantsTable(DataTable[object]):
    """One row per standing grant, newest approval first, keyed by approval id."""

    def __init__(self, tz: Any = None, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.tz = tz
        self.grants: dict[str, Approval] = {}

    def on_mount(self) -> None:
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    def _cells(self, grant: Approval) -> list[object]:
        scope = str(grant.get("scope") or "once")
        return [clock_time(grant.get("decided_at"), self.tz),
                Text(scope, style="bold" if scope == "session" else ""), _used(grant),
                str(grant.get("decided_by") or "-"), str(grant.get("agent") or "-"),
                project(grant.get("cwd")), one_line(grant.get("summary"), 300)]

    def set_grants(self, grants: list[Approval]) -> None:
        # The rebuild keeps the selected grant selected: a grant joining above it must not
        # move `x` onto another one.
        selected = self.selected()
        self.grants = {str(g["id"]): g for g in grants if g.get("id")
                       and g.get("grant") in (None, "standing")}
        self.clear()
        for grant_id, grant in sorted(self.grants.items(), reverse=True,
                                      key=lambda item: str(item[1].get("decided_at") or "")):
            self.add_row(*self._cells(grant), key=grant_id)
        selected_id = str(selected.get("id")) if selected is not None else ""
        if selected_id in self.grants:
            self.move_cursor(row=self.get_row_index(selected_id))

    def apply(self, event: Event) -> None:
        """An event that adds (approved with a standing grant), updates (a grant admitted
        another action) or removes (revoked, used up) a grant."""
        kind = event.get("type")
        if kind == "decision":
            grant_id = str(event.get("approval_id") or "")
            grant = self.grants.get(grant_id)
            if event.get("approval_status") == "granted" and grant is not None:
                if grant.get("scope") == "session":
                    grant["use_count"] = int(grant.get("use_count") or 0) + 1
                    self.update_cell(grant_id, "used", _used(grant))
                else:
                    self._remove(grant_id)  # a once-grant is used up
            return
        approval = approval_of(event)
        grant_id = str(approval.get("id") or "")
        if not grant_id:
            return
        # A once-grant approved for a waiting hook is used at once, without an event of its
        # own: only session grants join from events (the tab reloads the list when opened).
        if (approval.get("grant") == "standing" and kind == "approval.decided"
                and approval.get("scope") == "session"):
            if grant_id not in self.grants:
                self.grants[grant_id] = approval
                self.set_grants(list(self.grants.values()))
        elif grant_id in self.grants:
            self._remove(grant_id)

    def _remove(self, grant_id: str) -> None:
        self.grants.pop(grant_id, None)
        try:
            self.remove_row(grant_id)
        except Exception:  # already gone (the row was rebuilt)
            pass

    def selected(self) -> Approval | None:
        if not self.grants or self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return self.grants.get(str(key.value))
