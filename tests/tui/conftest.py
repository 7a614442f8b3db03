from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from approvald_tui.app import ApprovalsApp

from .daemon_helpers import running_daemon
from .fakes import FakeDaemonClient, fixed_clock


class NotifierSpy:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, title: str, body: str) -> None:
        self.calls.append((title, body))


def make_app(client: FakeDaemonClient, notifier: Any = None, **kwargs: Any) -> ApprovalsApp:
    return ApprovalsApp(client, clock=fixed_clock, tz=timezone.utc,
                        notifier=notifier or NotifierSpy(), backoff=(0.05, 0.2), **kwargs)


async def until(pilot: Pilot[Any], condition: Callable[[], Any], timeout: float = 5.0,
                what: str = "condition") -> None:
    """Let the app run until `condition()` holds (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.01)


@pytest.fixture
def spy() -> NotifierSpy:
    return NotifierSpy()


@pytest.fixture
def daemon(approvald_home: Path, approvald_exe: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    """A real `approvald daemon` on the test's own home."""
    if sys.platform == "win32":
        pytest.skip("these end-to-end tests use the Unix socket daemon")
    with running_daemon(approvald_home, approvald_exe) as proc:
        yield proc


@pytest.fixture
def project() -> Iterator[Path]:
    """A project directory for the agent's cwd (short /tmp path, removed afterwards)."""
    root = Path(tempfile.mkdtemp(prefix="ad-proj-", dir="/tmp" if sys.platform != "win32"
                                 else None)) / "webshop"
    root.mkdir()
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)
