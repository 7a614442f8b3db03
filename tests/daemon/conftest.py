"""The daemon in process: a context over this test's home (`ctx`; a module may define its own)
and the app over ASGI with the operator's token (`client`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from approvald.daemon.context import DaemonContext
from tests.support.daemon import asgi_client, make_context


@pytest.fixture
def ctx(approvald_home: Path) -> Iterator[DaemonContext]:
    context = make_context()
    yield context
    context.database.close()


@pytest.fixture
async def client(ctx: DaemonContext) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(ctx) as c:
        yield c
