"""The audit log's time stamps, written without datetime, read as datetime writes them."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from approvald.audit import utc_now


def test_utc_now_is_iso_8601_utc_with_milliseconds() -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    stamp = utc_now()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert before <= parsed <= datetime.now(timezone.utc)
