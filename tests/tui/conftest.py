from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tui import NotifierSpy


@pytest.fixture
def spy() -> NotifierSpy:
    return NotifierSpy()


@pytest.fixture
def project() -> Iterator[Path]:
    """A project directory for the agent's cwd (short /tmp path, removed afterwards)."""
    root = Path(tempfile.mkdtemp(prefix="ad-proj-", dir="/tmp" if sys.platform != "win32"
                                 else None)) / "webshop"
    root.mkdir()
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)
