"""Time stamps as approvald writes them everywhere: ISO 8601, UTC, milliseconds."""

from __future__ import annotations


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC with milliseconds; None stays None."""
    if ts is None:
        return None
    from datetime import datetime, timezone  # here: importing it costs the hook time

    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="milliseconds")


def now_iso() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")
