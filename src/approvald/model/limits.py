"""Bounds on what gets analyzed, shared by the daemon and the hook's no-daemon fallback.

A multi-megabyte shell line cannot be judged by a person and costs the shell analysis seconds
to minutes, so it is denied without analysis; analysis that still runs too long is cut off.
"""

from __future__ import annotations

MAX_ANALYZED_BYTES = 1024 * 1024
EVALUATION_TIMEOUT_S = 15.0
SIZE_RULE = "approvald-size-limit"
TIMEOUT_RULE = "approvald-evaluation-timeout"


def action_size(action: object) -> int:
    """Bytes the analysis would chew on: the command line and the paths."""
    command = getattr(action, "command", None) or ""
    return len(command) + sum(len(p) for p in getattr(action, "paths", ()))


def too_large_reason(action: object) -> str | None:
    size = action_size(action)
    if size <= MAX_ANALYZED_BYTES:
        return None
    return (f"The action is too large to check ({size / 1048576:.1f} MB; approvald analyzes "
            f"up to {MAX_ANALYZED_BYTES // 1048576} MB), so it is denied.")


def timeout_reason() -> str:
    return (f"Checking this action took longer than {EVALUATION_TIMEOUT_S:.0f} s, so it is "
            "denied.")
