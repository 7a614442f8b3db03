"""The audit log's time stamps, written without datetime, read as datetime writes them."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import pytest

from approvald.audit import utc_now


def test_utc_now_is_iso_8601_utc_with_milliseconds() -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    stamp = utc_now()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert before <= parsed <= datetime.now(timezone.utc)


def test_utc_now_is_the_time_it_is_called_at_whatever_it_was_called_at_before(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each second is formatted once; the stamp is still that of the very call."""
    second = 1_764_676_800  # 2025-12-02T12:00:00Z
    for ns in (second * 10**9, second * 10**9 + 999_999_999, (second + 1) * 10**9 + 5_000_000,
               (second + 86_399) * 10**9, second * 10**9 + 1_000_000, 0):
        monkeypatch.setattr(time, "time_ns", lambda ns=ns: ns)
        expected = datetime.fromtimestamp(ns // 10**9, timezone.utc).replace(
            microsecond=ns // 10**6 % 1000 * 1000)
        assert utc_now() == expected.isoformat(timespec="milliseconds").replace("+00:00", "Z")
