from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import RunningDaemon, cli_argv


@pytest.fixture
def approvald_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private APPROVALD_HOME, short enough for a Unix socket path (108-byte limit)."""
    home = Path(tempfile.mkdtemp(prefix="ad-", dir="/tmp" if sys.platform != "win32" else None))
    monkeypatch.setenv("APPROVALD_HOME", str(home))
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def approvald_exe() -> list[str]:
    """How to run the CLI as a user would: the installed console script."""
    return cli_argv()


@pytest.fixture
def daemon(approvald_exe: list[str], approvald_home: Path) -> Iterator[RunningDaemon]:
    """A real `approvald daemon` for this test's home, stopped whatever the test did."""
    running = RunningDaemon(approvald_exe, approvald_home).start()
    yield running
    running.ensure_stopped()
