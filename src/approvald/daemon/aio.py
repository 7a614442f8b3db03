"""Waiting with a time limit, cheaply.

Every request waits several times under a limit (its head, its body, its evaluation, its
audit record, its answer's write). `asyncio.wait_for` runs each wait as a task of its own
(until Python 3.12); `asyncio.timeout` (3.11+) only arms a timer on the task already running,
a fraction of the cost. Both raise TimeoutError (`asyncio.TimeoutError`) past the limit and
cancel what was awaited.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """`await awaitable`, cancelled with TimeoutError after `seconds`."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)  # pragma: no cover - Python 3.10
