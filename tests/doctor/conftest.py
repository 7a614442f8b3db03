from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_approvald_home(approvald_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every doctor test reads approvald's config/policy from its own empty home."""
    monkeypatch.delenv("APPROVALD_APPROVAL_TIMEOUT", raising=False)
    yield approvald_home
