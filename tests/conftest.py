from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
    exe = shutil.which("approvald", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "approvald"]
