"""What the dashboard needs from the daemon: `DaemonClient`, met by approvald's asynchronous
client (`approvald.wire.aclient.AsyncDaemonClient`) and by the tests' fake. Every method may
raise `approvald.wire.errors.DaemonError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from approvald.wire.errors import DaemonError

__all__ = ["DaemonClient", "DaemonError"]


class DaemonClient(Protocol):
    """What the dashboard needs from the daemon. Every method may raise `DaemonError`."""

    async def status(self) -> dict[str, Any]: ...

    async def approvals(self, status: str = "pending", limit: int | None = None) -> list[
        dict[str, Any]]: ...

    async def activity(self, limit: int = 500) -> list[dict[str, Any]]: ...

    async def approve(self, approval_id: str, scope: str, always: bool = False
                      ) -> dict[str, Any]: ...

    async def explain(self, approval_id: str) -> dict[str, Any]:
        """Commands with their directories and rules, and the proposed "always" rule."""
        ...

    async def grants(self, status: str = "standing") -> list[dict[str, Any]] | None:
        """Grants (approved approvals) that still stand, or None when the daemon cannot say."""
        ...

    async def revoke_grant(self, approval_id: str) -> dict[str, Any]: ...

    async def deny(self, approval_id: str, reason: str | None) -> dict[str, Any]: ...

    async def leases(self) -> list[dict[str, Any]] | None:
        """Active leases, or None when this daemon has no lease API."""
        ...

    async def findings(self) -> list[dict[str, Any]] | None:
        """The latest doctor findings, or None when this daemon cannot say."""
        ...

    async def sessions(self) -> list[dict[str, Any]] | None:
        """Live agent sessions, or None when this daemon cannot list them."""
        ...

    async def revoke_lease(self, lease_id: str) -> dict[str, Any]: ...

    async def pins(self, server: str | None = None) -> list[dict[str, Any]] | None:
        """The MCP gateway's tool pins, or None when this daemon has no pins API."""
        ...

    async def accept_pins(self, server: str, tool: str | None = None) -> list[dict[str, Any]]:
        """Accept the definitions seen of withheld tools; the pins accepted."""
        ...

    def events(self) -> AsyncIterator[dict[str, Any]]:
        """The server-sent event stream, one dict per event; ends or raises on disconnect."""
        ...

    async def aclose(self) -> None: ...
