"""An audit sink for the background writer whose writes wait until the test opens its gate:
an audit log that is slow (or stuck) without failing."""

from __future__ import annotations

import threading
from typing import Any


class GatedSink:
    """Keeps what it writes in `written`; every write waits (at most 10 s) for `gate`."""

    def __init__(self) -> None:
        self.written: list[dict[str, Any]] = []
        self.gate = threading.Event()
        self.entered = threading.Event()  # set once a write is waiting at the gate

    def append_many(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.entered.set()
        assert self.gate.wait(10)
        self.written += records
        return records
