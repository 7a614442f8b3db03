"""The daemon's event bus: every subscriber (an SSE client) gets its own bounded queue.

`publish` never blocks and never waits on a client: a subscriber whose queue is full is a slow
client and is dropped (its stream ends; the dashboard reconnects and re-reads the state).
`publish` must run on the event loop; other threads use `publish_threadsafe`. Taps (`tap`)
see every published event synchronously, on the loop, and must return at once (the OTLP
exporter takes doctor findings this way).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone
from typing import Any

SUBSCRIBER_QUEUE = 1000
ACTIVITY_KEEP = 1000
_CLOSED: dict[str, Any] = {"type": "__closed__"}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Subscription:
    def __init__(self, bus: EventBus, maxsize: int):
        self._bus = bus
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=maxsize)
        self.dropped = False

    def offer(self, event: dict[str, Any]) -> bool:
        """False (and the subscription is closed) when the client is too slow."""
        if self.dropped:
            return False
        try:
            self.queue.put_nowait(event)
            return True
        except asyncio.QueueFull:
            self.close()
            return False

    def close(self) -> None:
        self.dropped = True
        # Make room for the end marker so a reader blocked in get() wakes up.
        while True:
            try:
                self.queue.put_nowait(_CLOSED)
                return
            except asyncio.QueueFull:
                try:
                    self.queue.get_nowait()
                except asyncio.QueueEmpty:  # pragma: no cover - raced empty
                    pass

    async def get(self, timeout: float) -> dict[str, Any] | None:
        """The next event; None on timeout; raises StopAsyncIteration when closed."""
        try:
            event = await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            return None
        if event is _CLOSED:
            raise StopAsyncIteration
        return event

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:  # pragma: no cover - sugar
        while True:
            event = await self.get(3600)
            if event is not None:
                yield event


class EventBus:
    def __init__(self, maxsize: int = SUBSCRIBER_QUEUE):
        self._maxsize = maxsize
        self._subscribers: set[Subscription] = set()
        self.activity: deque[dict[str, Any]] = deque(maxlen=ACTIVITY_KEEP)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._taps: list[Callable[[dict[str, Any]], None]] = []
        self.closed = False

    def tap(self, callback: Callable[[dict[str, Any]], None]) -> None:
        self._taps = [*self._taps, callback]

    def untap(self, callback: Callable[[dict[str, Any]], None]) -> None:
        self._taps = [t for t in self._taps if t is not callback]

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def subscribe(self) -> Subscription:
        sub = Subscription(self, self._maxsize)
        if self.closed:
            sub.close()
        else:
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    def publish(self, type: str, data: dict[str, Any]) -> dict[str, Any]:
        event = {**data, "type": type, "ts": now_iso()}
        if type == "decision":
            self.activity.append(event)
        for sub in list(self._subscribers):
            if not sub.offer(event):
                self._subscribers.discard(sub)
        for callback in self._taps:
            try:
                callback(event)
            except Exception:  # a tap must never break publishing
                logging.getLogger("approvald.daemon").exception("event tap failed")
        return event

    def publish_threadsafe(self, type: str, data: dict[str, Any]) -> None:
        if self._loop is None:
            self.publish(type, data)
        else:
            self._loop.call_soon_threadsafe(self.publish, type, data)

    def close(self) -> None:
        """End every stream (daemon stopping)."""
        self.closed = True
        for sub in list(self._subscribers):
            sub.close()
        self._subscribers.clear()
