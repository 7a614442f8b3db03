"""A scrolling table that renders only the rows on screen.

Textual's DataTable measures every cell of every row it is given (35,000 measurements for 5,000
activity rows) and re-lays itself out as rows arrive; that made the dashboard sluggish at the
sizes it must handle. The activity and history views only need fixed-width columns, a cursor and
scrolling, so this widget keeps plain rows and draws the visible ones on demand: adding,
filtering and scrolling cost the same with 50 rows or 5,000.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text


class RowList(ScrollView, can_focus=True):
    """Rows of cells under a pinned header line; the last column takes the remaining width."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rowlist--header", "rowlist--cursor", "rowlist--odd",
    }
    DEFAULT_CSS = """
    RowList { height: 1fr; }
    RowList > .rowlist--header { background: $primary 30%; text-style: bold; }
    RowList > .rowlist--cursor { background: $block-cursor-background; }
    RowList:focus > .rowlist--cursor { background: $block-cursor-background; text-style: bold; }
    RowList > .rowlist--odd { background: $surface-lighten-1 20%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    COLUMNS: tuple[tuple[str, int], ...] = ()  # (label, width); the last width is a minimum

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.view: list[list[Cell]] = []  # the rows shown, oldest first
        self.cursor_row = 0

    # --- the DataTable-like surface the app and tests use -----------------------------------

    @property
    def row_count(self) -> int:
        return len(self.view)

    def get_row_at(self, index: int) -> list[Cell]:
        return self.view[index]

    def set_rows(self, rows: list[list[Cell]]) -> None:
        self.view = rows
        self.cursor_row = min(self.cursor_row, max(0, len(rows) - 1))
        self._resize()

    def append_rows(self, rows: list[list[Cell]]) -> None:
        self.view.extend(rows)
        self._resize()

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        if not self.view:
            self.cursor_row = 0
            self.refresh()
            return
        self.cursor_row = max(0, min(len(self.view) - 1, row))
        self._scroll_to_cursor()
        self.refresh()

    # --- drawing ------------------------------------------------------------------------------

    def _resize(self) -> None:
        width = sum(w for _, w in self.COLUMNS) + len(self.COLUMNS)
        self.virtual_size = Size(width, len(self.view) + 1)  # +1: the header line
        self.refresh()

    def _body_height(self) -> int:
        return max(1, self.size.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        height = self._body_height()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False)

    def _widths(self, total: int) -> list[int]:
        widths = [w for _, w in self.COLUMNS]
        if widths:
            used = sum(widths[:-1]) + len(widths)  # one space before each column
            widths[-1] = max(widths[-1], total - used)
        return widths

    def _line(self, cells: list[Cell], widths: list[int], style: Style,
              plain: bool = False) -> Strip:
        """One row. `plain`: the cursor's row, drawn in the cursor's own colours (a red DENY
        on the cursor's background could not be read)."""
        text = Text(no_wrap=True, overflow="ellipsis", style=style)
        for cell, width in zip(cells, widths, strict=False):
            if plain and isinstance(cell, Text):
                piece = Text(cell.plain, style="bold")
            else:
                piece = cell.copy() if isinstance(cell, Text) else Text(str(cell))
            piece.truncate(width, overflow="ellipsis", pad=True)
            text.append(" ")
            text.append_text(piece)
        segments = list(text.render(self.app.console))
        return Strip(segments, cell_len(text.plain))

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        widths = self._widths(max(width, self.virtual_size.width))
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("rowlist--header")
            strip = self._line([label for label, _ in self.COLUMNS], widths, style)
            return strip.crop_extend(scroll_x, scroll_x + width, style)
        index = int(scroll_y) + y - 1
        if index >= len(self.view):
            return Strip.blank(width, base)
        style = base
        if index % 2:
            style += self.get_component_rich_style("rowlist--odd")
        selected = index == self.cursor_row
        if selected:
            style += self.get_component_rich_style("rowlist--cursor")
        strip = self._line(self.view[index], widths, style, plain=selected)
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.refresh()

    # --- moving -------------------------------------------------------------------------------

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * self._body_height())

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self.view) - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_cursor(row=int(self.scroll_offset.y) + event.y - 1)
