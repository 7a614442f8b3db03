"""Credentials: values in the OS keyring, leases on them, and `exec` that injects and redacts.

- `keyring`: a typed wrapper around the `keyring` package (service `approvald`, user NAME) that
  refuses unusable or plaintext backends instead of falling back to a file.
- `db`, `meta`, `leases`: metadata and leases in the daemon's SQLite database (never a value).
- `redactor`: a streaming redactor for a child's output (raw, URL-encoded and base64 forms).
- `exec`: run one command with the values in its environment and its output redacted.
- `client`: the small HTTP client the CLI uses to reach the daemon's lease endpoints.

This package imports nothing heavy at import time; `keyring` and `httpx` load lazily.
"""

from __future__ import annotations

import re

SERVICE = "approvald"

# A secret's name is the keyring user name and appears in `[REDACTED:NAME]`: keep it plain.
_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,127}")


class SecretNameError(ValueError):
    pass


def validate_name(name: str) -> str:
    """`name` if it is a usable secret name, else SecretNameError with one sentence."""
    if not _NAME_RE.fullmatch(name or ""):
        raise SecretNameError(
            f"invalid secret name {name!r}: use letters, digits, '_', '.', '@' or '-' "
            "(at most 128, not starting with '.', '@' or '-')")
    return name
