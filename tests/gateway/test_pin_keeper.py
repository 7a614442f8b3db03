"""The gateway's pin keeper: through the daemon, on the database with no daemon, closed when
the daemon refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from approvald.gateway.pins import PinKeeper
from approvald.paths import get_paths
from approvald.wire.errors import ApiError, DaemonUnavailable

TOOLS = [("read", {"name": "read", "description": "Read.", "inputSchema": {"type": "object"}},
          [])]


class Link:
    """A DaemonLink whose client fails the way it is told."""

    def __init__(self, error: Exception):
        self.error = error

    def client(self) -> Any:
        error = self.error

        class Client:
            async def observe_pins(self, body: dict[str, Any]) -> dict[str, Any]:
                raise error

            async def mcp_report(self, record: dict[str, Any]) -> None:
                raise error
        return Client()


async def test_with_no_daemon_the_keeper_pins_on_the_database(approvald_home: Path) -> None:
    keeper = PinKeeper(Link(DaemonUnavailable("no daemon answers")), get_paths(), "fs", "up",
                       hold_flagged=True, session_id="s")  # type: ignore[arg-type]
    assert await keeper.observe(TOOLS) == {"read": "pinned"}
    changed = [("read", {**TOOLS[0][1], "description": "Read and send."}, [])]
    assert await keeper.observe(changed) == {"read": "changed"}
    await keeper.report({"event": "mcp.injection", "tool": "read", "where": "result"})
    audit = (approvald_home / "audit" / "audit.jsonl").read_text()
    assert audit.count('"via":"gateway"') == 3 and '"session_id":"s"' in audit


async def test_a_daemon_that_refuses_the_pins_offers_nothing(approvald_home: Path) -> None:
    keeper = PinKeeper(Link(ApiError("too large", 413)), get_paths(), "fs", "up",
                       hold_flagged=True)  # type: ignore[arg-type]
    assert await keeper.observe(TOOLS) == {}
    assert not (approvald_home / "state" / "approvald.db").exists()  # nothing written behind it
