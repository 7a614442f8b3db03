"""Pins: the MCP tools the gateway pinned, withheld ones first, and for the selected one the diff
from the accepted definition to the one the server offers now (`c` accepts it)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Static

from approvald.model.pins import PINNED, definition_diff, definition_lines
from approvald_tui.model import one_line

STATUS_STYLES = {"changed": "bold yellow", "flagged": "bold red", "pinned": "green"}


def pin_key(pin: dict[str, Any]) -> str:
    return f"{pin.get('server')}\x00{pin.get('tool')}"


class PinsTable(DataTable[object]):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.pins: dict[str, dict[str, Any]] = {}

    def on_mount(self) -> None:
        for label in ("Server", "Tool", "Status", "Findings", "Upstream"):
            self.add_column(label, key=label.lower())

    def set_pins(self, pins: list[dict[str, Any]]) -> None:
        self.pins = {pin_key(p): dict(p) for p in pins if isinstance(p, dict)}
        self._redraw()

    def apply(self, pin: dict[str, Any]) -> None:
        """A pin event: the pin as it is now."""
        if pin.get("server") and pin.get("tool"):
            self.pins[pin_key(pin)] = {k: v for k, v in pin.items() if k not in ("type", "ts")}
            self._redraw()

    def _redraw(self) -> None:
        selected = self.selected()
        self.clear()
        order = sorted(self.pins.items(), key=lambda kv: (kv[1].get("status") == PINNED,
                                                          kv[0]))
        for key, pin in order:
            status = str(pin.get("status") or "?")
            kinds = ", ".join(dict.fromkeys(str(f.get("kind")) for f in pin.get("findings") or []
                                            if isinstance(f, dict)))
            self.add_row(str(pin.get("server")), str(pin.get("tool")),
                         Text(status, style=STATUS_STYLES.get(status, "")), kinds or "-",
                         one_line(pin.get("upstream"), 60), key=key)
        if selected is not None and pin_key(selected) in self.pins:
            self.move_cursor(row=self.get_row_index(pin_key(selected)))

    @property
    def withheld(self) -> int:
        return sum(1 for p in self.pins.values() if p.get("status") != PINNED)

    def selected(self) -> dict[str, Any] | None:
        if not self.pins or self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return self.pins.get(str(key.value))


class PinDiff(Static):
    """The selected pin: what changed (a diff), or what is pinned."""

    def show(self, pin: dict[str, Any] | None) -> None:
        if pin is None:
            self.update(Text("No MCP tools pinned yet: the gateway pins each tool the first "
                             "time it lists it.", style="dim"))
            return
        text = Text()
        name = f"{pin.get('server')} · {pin.get('tool')}"
        if pin.get("status") == PINNED:
            text.append(f"{name}: pinned\n", style="bold green")
            for line in definition_lines(pin.get("definition")):
                text.append(line + "\n")
            self.update(text)
            return
        heading = ("definition changed since it was pinned" if pin.get("status") == "changed"
                   else "withheld for what its description says")
        text.append(f"{name}: {heading} — c accepts the new definition\n", style="bold yellow")
        for finding in pin.get("findings") or []:
            if isinstance(finding, dict):
                text.append(f"  {finding.get('kind')}: {finding.get('excerpt')}\n", style="red")
        for line in definition_diff(pin.get("definition"), pin.get("seen_definition")):
            style = "red" if line.startswith("-") else "green" if line.startswith("+") else (
                "cyan" if line.startswith("@@") else "")
            text.append(line + "\n", style=style)
        self.update(text)
