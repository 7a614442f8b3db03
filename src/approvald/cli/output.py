"""What every command prints the same way."""

from __future__ import annotations

import sys


def fail(prog: str, message: str, code: int = 1) -> int:
    """`PROG: message` on stderr; returns the exit code to return."""
    print(f"{prog}: {message}", file=sys.stderr)
    return code
