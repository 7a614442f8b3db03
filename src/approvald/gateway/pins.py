"""Where the gateway keeps its pins and reports: through the daemon when one runs, else on the
database and audit log itself.

The daemon owns the database while it runs, and its routes add the event stream (the
dashboard's pins view). With no daemon the gateway does what the CLI does for credentials
(`approvald.secrets.offline`): the same `PinBook` over this home's database, its records in
the same audit chain marked `via: gateway`. SQLite in WAL mode with IMMEDIATE transactions
lets both happen at once; the first to record a tool pins it, the other sees the pin.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from approvald.gateway.link import DaemonLink, no_daemon
from approvald.paths import Paths
from approvald.secrets.offline import audit_reporter
from approvald.storage.database import Database
from approvald.storage.pins import PinBook, PinStore, SeenTool
from approvald.wire.errors import DaemonError

log = logging.getLogger("approvald.gateway")


@contextmanager
def offline_pins(paths: Paths, via: str) -> Iterator[PinBook]:
    """The pin book over this home's database, reporting to its audit log only."""
    with Database(paths.database) as database:
        yield PinBook(PinStore(database), audit_reporter(paths, via))


class PinKeeper:
    """One server's pins, as one gateway sees them."""

    def __init__(self, link: DaemonLink, paths: Paths, server: str, upstream: str, *,
                 hold_flagged: bool, session_id: str = ""):
        self.link = link
        self.paths = paths
        self.server = server
        self.upstream = upstream
        self.hold_flagged = hold_flagged
        self.session_id = session_id

    async def observe(self, tools: list[tuple[str, dict[str, Any], list[dict[str, str]]]]
                      ) -> dict[str, str]:
        """{tool name: status} for (name, definition, findings) of each tool offered now."""
        body = {"server": self.server, "upstream": self.upstream,
                "hold_flagged": self.hold_flagged,
                "tools": [{"name": name, "definition": definition, "findings": findings}
                          for name, definition, findings in tools]}
        try:
            answer = await self.link.client().observe_pins(body)
            items = answer.get("tools")
            if isinstance(items, list):
                return {str(i.get("tool")): str(i.get("status")) for i in items
                        if isinstance(i, dict)}
            log.warning("the daemon's pin answer has no tools; checking pins here")
        except DaemonError as exc:
            if not no_daemon(exc):
                # Fail closed: no status means nothing is offered until the pins can be read.
                log.warning("the daemon refused the pins of %s: %s", self.server, exc)
                return {}
        return await asyncio.to_thread(self._observe_offline, tools)

    def _observe_offline(self, tools: list[tuple[str, dict[str, Any], list[dict[str, str]]]]
                         ) -> dict[str, str]:
        seen = [SeenTool(name, {**definition, "name": name}, tuple(findings))
                for name, definition, findings in tools]
        with offline_pins(self.paths, "gateway") as book:
            pins = book.observe(self.server, self.upstream, seen,
                                hold_flagged=self.hold_flagged, session_id=self.session_id)
        return {pin.tool: pin.status for pin in pins}

    async def report(self, record: dict[str, Any]) -> None:
        """An `mcp.injection` / `mcp.refused` record: to the daemon, else the audit log."""
        record = {"server": self.server, "session_id": self.session_id, **record}
        try:
            await self.link.client().mcp_report(record)
            return
        except DaemonError as exc:
            if not no_daemon(exc):
                log.warning("the daemon refused a report: %s", exc)
                return
        await asyncio.to_thread(audit_reporter(self.paths, "gateway"), record, None, None)
