"""The gateway's way to the daemon: the one asynchronous client, for this home's endpoint.

A gateway lives as long as the agent's session; the daemon may start, stop and (over TCP) come
back on another port meanwhile, so the endpoint is looked up again on every use and a client is
made anew when it changed. Every failure is one of `approvald.wire.errors`; callers treat
`DaemonUnavailable` (and a 503) as "no daemon".
"""

from __future__ import annotations

import os

from approvald.paths import Paths
from approvald.settings import env_socket
from approvald.wire.aclient import AsyncDaemonClient
from approvald.wire.errors import ApiError, DaemonError, DaemonUnavailable


def no_daemon(exc: DaemonError) -> bool:
    """Whether this failure means nobody can decide: nothing answered, or a daemon without a
    policy or stopping (503)."""
    return isinstance(exc, DaemonUnavailable) or (isinstance(exc, ApiError)
                                                  and exc.status == 503)


class DaemonLink:
    def __init__(self, paths: Paths):
        self.paths = paths
        self._client: AsyncDaemonClient | None = None
        self._stale: list[AsyncDaemonClient] = []

    def endpoint(self) -> str:
        return env_socket(os.environ) or self.paths.socket

    def client(self) -> AsyncDaemonClient:
        endpoint = self.endpoint()
        if self._client is None or self._client.endpoint != endpoint:
            if self._client is not None:
                self._stale.append(self._client)  # a request may still be using it
            self._client = AsyncDaemonClient(endpoint, self.paths.token_file)
        return self._client

    async def aclose(self) -> None:
        for client in [*self._stale, *([self._client] if self._client else [])]:
            await client.aclose()
        self._stale.clear()
        self._client = None
