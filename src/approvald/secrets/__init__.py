"""Credentials: values in the OS keyring, leases on them, and `exec` that injects and redacts.

- `keyring`: a typed wrapper around the `keyring` package (service `approvald`, user NAME) that
  refuses unusable or plaintext backends instead of falling back to a file.
- `service`: the credential use cases (store, lease, revoke, resolve, sweep) over the database,
  the keyring and a reporter (the daemon's audit and events, or the audit log alone).
- `exec`: run one command with the values in its environment and its output redacted.

Metadata and leases live in the one SQLite file (`approvald.storage.leases`), never a value.
This package imports nothing heavy at import time; `keyring` loads lazily.
"""

from __future__ import annotations

from approvald.model.leases import SecretNameError, validate_name

SERVICE = "approvald"

__all__ = ["SERVICE", "SecretNameError", "validate_name"]
