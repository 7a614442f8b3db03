"""The daemon's event loop and waiting with a time limit (`approvald.daemon.aio`)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import pytest

from approvald.daemon import aio
from approvald.daemon.aio import within_shared


async def test_within_shared_gives_the_outcome_to_every_waiter() -> None:
    loop = asyncio.get_running_loop()
    shared: asyncio.Future[None] = loop.create_future()
    waiters = [asyncio.ensure_future(within_shared(shared, 30)) for _ in range(3)]
    await asyncio.sleep(0)
    shared.set_result(None)
    assert await asyncio.gather(*waiters) == [None, None, None]
    await within_shared(shared, 30)  # done already: at once

    failed: asyncio.Future[None] = loop.create_future()
    waiter = asyncio.ensure_future(within_shared(failed, 30))
    await asyncio.sleep(0)
    failed.set_exception(OSError("disk full"))
    with pytest.raises(OSError, match="disk full"):
        await waiter


async def test_within_shared_times_out_without_cancelling_what_others_wait_on() -> None:
    shared: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    with pytest.raises(TimeoutError):
        await within_shared(shared, 0.01)
    patient = asyncio.ensure_future(within_shared(shared, 30))
    await asyncio.sleep(0)
    assert not shared.cancelled()
    shared.set_result(None)
    await patient


async def test_a_cancelled_waiter_leaves_the_shared_future_alone() -> None:
    shared: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    waiter = asyncio.ensure_future(within_shared(shared, 30))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not shared.done()


def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_the_daemon_loop_is_uvloops_where_it_is_installed() -> None:
    pytest.importorskip("uvloop")
    assert aio.run(_coroutine(_loop_module)).startswith("uvloop")


def test_the_daemon_loop_is_asyncios_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what Windows has: no uvloop to import
    assert aio.run(_coroutine(_loop_module)).startswith("asyncio")


async def _coroutine(what: Callable[[], str]) -> str:
    await asyncio.sleep(0)
    return what()
