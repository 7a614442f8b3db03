"""What `approvald demo` adds to the dashboard: an intro that stays until the person hides it
(escape), and the Agent tab, where each of the simulated agent's steps shows what the agent
received back: the allow, the deny and its reason, the words a person typed."""

from __future__ import annotations

import queue

from rich.text import Text
from textual.widgets import Log, Static


class IntroBanner(Static):
    DEFAULT_CSS = """
    IntroBanner {
        height: auto;
        padding: 0 1;
        background: $boost;
        border-bottom: solid $accent;
    }
    """

    def __init__(self, text: str, **kwargs: object) -> None:
        super().__init__(Text.assemble((text, ""), ("   (escape hides this)", "dim")),
                         **kwargs)  # type: ignore[arg-type]


class AgentFeed(Log):
    """Lines from the simulated agent, drained from `incoming` (filled by its thread)."""

    def __init__(self, lines: queue.Queue[str], **kwargs: object) -> None:
        super().__init__(highlight=False, auto_scroll=True, **kwargs)  # type: ignore[arg-type]
        self.incoming = lines

    def drain(self) -> int:
        """Write what arrived since the last call; how many lines."""
        count = 0
        while True:
            try:
                line = self.incoming.get_nowait()
            except queue.Empty:
                return count
            self.write_line(line)
            count += 1
