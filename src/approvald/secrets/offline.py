"""The credential use cases when no daemon runs: the CLI works on the database itself.

Everything done this way only records or takes rights away (nothing resolves a lease without
the daemon). Each change is written to the audit log as the daemon would (the log takes appends
from several processes under its own lock), marked `via: cli` (the MCP gateway's own records,
made the same way, say `via: gateway`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from approvald.paths import Paths
from approvald.secrets.service import CredentialService
from approvald.storage.database import Database
from approvald.storage.leases import LeaseStore


def audit_reporter(paths: Paths, via: str = "cli") -> Any:
    def report(record: dict[str, Any], event: str | None = None,
               data: dict[str, Any] | None = None) -> None:
        try:
            from approvald.audit import AuditLog

            with AuditLog(paths.audit) as log:
                log.append({**record, "via": via})
        except Exception as exc:  # never lose the operator's change over the log; say so
            print(f"approvald: warning: audit record {record.get('event')} not written: {exc}",
                  file=sys.stderr)

    return report


@contextmanager
def offline_credentials(paths: Paths) -> Iterator[CredentialService]:
    """The credential service over this home's database, reporting to its audit log only."""
    with Database(paths.database) as database:
        yield CredentialService(LeaseStore(database), audit_reporter(paths))
