"""The credential use cases: store and remove secrets' metadata, create, list, revoke and resolve
leases, and sweep expired ones.

The same code serves the daemon (its routes call it; a `Reporter` that writes the audit log and
publishes events) and the CLI when no daemon runs (a reporter that writes the audit log only;
nothing resolves a lease then). Records carry names and lease ids, never a value; a resolved
value is remembered by the redactor so that no answer, record or log line can carry it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from approvald.model import events
from approvald.model.clock import iso
from approvald.model.leases import Lease, validate_name
from approvald.model.records import lease_record, secret_record
from approvald.redaction import remember_secret
from approvald.secrets.keyring import SecretKeyring
from approvald.storage.leases import LeaseError, LeaseStore

MAX_REQUESTED_BY = 64
VALUE_CACHE_S = 30.0  # a leased value read from the keyring is read again after this long


class Reporter(Protocol):
    def __call__(self, record: dict[str, Any], event: str | None = None,
                 data: dict[str, Any] | None = None) -> None:
        """Append `record` to the audit log; publish `data` as `event` where anyone listens."""


class CredentialService:
    def __init__(self, leases: LeaseStore, report: Reporter,
                 keyring: Callable[[], SecretKeyring] = SecretKeyring,
                 clock: Callable[[], float] = time.time):
        self.leases = leases
        self._report = report
        self._keyring_factory = keyring
        self._keyring: SecretKeyring | None = None
        self._clock = clock
        self._values: dict[str, tuple[str, float]] = {}  # name -> (value, when read)

    @property
    def keyring(self) -> SecretKeyring:
        if self._keyring is None:
            self._keyring = self._keyring_factory()
        return self._keyring

    def leased_values(self) -> tuple[list[tuple[str, str]], list[str]]:
        """(name, value) of every secret with an active lease, and the names whose value the
        keyring would not give (it failed): what a tool's output is checked for before the
        agent's model reads it. Blocking (the keyring): call it off the event loop. A secret
        no longer in the keyring cannot be resolved, so it has nothing to check."""
        now = time.monotonic()
        values: list[tuple[str, str]] = []
        unreadable: list[str] = []
        for name in sorted(self.leases.active_counts(self._clock())):
            cached = self._values.get(name)
            if cached is not None and now - cached[1] < VALUE_CACHE_S:
                values.append((name, cached[0]))
                continue
            try:
                value = self.keyring.get(name)
            except Exception:
                unreadable.append(name)
                continue
            if value:
                self._values[name] = (value, now)
                values.append((name, value))
        return values, unreadable

    # -- secrets' metadata ------------------------------------------------------------------

    def list_secrets(self) -> list[dict[str, Any]]:
        active = self.leases.active_counts(self._clock())
        return [{**m.to_json(), "active_leases": active.get(m.name, 0)}
                for m in self.leases.list_meta()]

    def secret_stored(self, name: str, description: str | None,
                      **extra: Any) -> dict[str, Any]:
        self._values.pop(name, None)
        meta, created = self.leases.upsert_meta(validate_name(name), description, self._clock())
        self._report(secret_record(events.SECRET_STORED, name, created=created, **extra),
                     events.SECRET_STORED, meta.to_json())
        return {"secret": meta.to_json(), "created": created}

    def secret_removed(self, name: str, **extra: Any) -> dict[str, Any]:
        validate_name(name)
        self._values.pop(name, None)
        now = self._clock()
        revoked = self.leases.revoke_all_for(name, now=now, by="secret.removed")
        removed = self.leases.delete_meta(name)
        for lease in revoked:
            self._report(lease_record(events.LEASE_REVOKED, lease, revoked_by="secret.removed",
                                      **extra), events.LEASE_REVOKED, lease.to_json(now))
        self._report(secret_record(events.SECRET_REMOVED, name, had_metadata=removed, **extra),
                     events.SECRET_REMOVED, {"name": name})
        return {"removed": removed, "revoked": [lease.id for lease in revoked]}

    def _secret_exists(self, name: str) -> bool:
        if self.leases.get_meta(name) is not None:
            return True
        # Stored with the platform's own keychain tools: adopt it (reads existence only).
        if self.keyring.get(name) is None:
            return False
        self.leases.upsert_meta(name, None, self._clock())
        return True

    # -- leases -----------------------------------------------------------------------------

    def create_lease(self, name: str, ttl_s: float, *, session_id: str | None = None,
                     for_pattern: str | None = None, single_use: bool = False,
                     requested_by: str | None = None) -> dict[str, Any]:
        validate_name(name)
        if not self._secret_exists(name):
            raise LeaseError("no_secret", f"no secret named {name!r}: store it with "
                             f"`approvald secrets set {name}`")
        lease = self.leases.create(
            name=name, ttl_s=ttl_s, now=self._clock(), session_id=session_id,
            for_pattern=for_pattern, single_use=single_use,
            requested_by=(requested_by or "cli")[:MAX_REQUESTED_BY])
        data = lease.to_json(self._clock())
        self._report(lease_record(events.LEASE_CREATED, lease, ttl_s=lease.ttl_s,
                                  requested_by=lease.requested_by), events.LEASE_CREATED, data)
        return data

    def list_leases(self, include_inactive: bool = False) -> list[dict[str, Any]]:
        now = self._clock()
        return [lease.to_json(now)
                for lease in self.leases.list_leases(now=now, include_inactive=include_inactive)]

    def get_lease(self, lease_id: str) -> dict[str, Any]:
        lease = self.leases.get(self.leases.resolve_id(lease_id))
        if lease is None:
            raise LeaseError("unknown", f"unknown lease {lease_id}")
        return lease.to_json(self._clock())

    def revoke_lease(self, lease_id: str, by: str = "cli", **extra: Any) -> dict[str, Any]:
        lease = self.leases.revoke(self.leases.resolve_id(lease_id), now=self._clock(),
                                   by=by[:MAX_REQUESTED_BY])
        data = lease.to_json(self._clock())
        self._report(lease_record(events.LEASE_REVOKED, lease, revoked_by=lease.revoked_by,
                                  **extra), events.LEASE_REVOKED, data)
        return data

    def resolve(self, wanted: Sequence[tuple[str, str | None]], *, session_id: str | None,
                command: Sequence[str]) -> list[dict[str, Any]]:
        """The values of `wanted` (lease id, env var) for the `exec` of `command`: all or
        nothing, every use recorded."""
        program = os.path.basename(command[0]) if command else None
        ids = list(dict.fromkeys(lease_id for lease_id, _ in wanted))
        try:
            resolved = self.leases.resolve(ids, now=self._clock(), session_id=session_id,
                                           argv=command, fetch=self.keyring.get)
        except LeaseError as exc:
            self._report({"event": events.LEASE_REFUSED,
                          "lease_id": ids[0] if len(ids) == 1 else None, "lease_ids": ids,
                          "code": exc.code, "reason": str(exc), "session_id": session_id,
                          "program": program})
            raise
        for lease, value in resolved:
            # Defence in depth: should the value ever come back (an agent echoing it into a
            # command), every audit record, log line, event and API answer redacts it.
            remember_secret(lease.name, value)
        by_id = {lease.id: (lease, value) for lease, value in resolved}
        now = self._clock()
        for lease, _ in resolved:
            envs = sorted({env for i, env in wanted if i == lease.id and env})
            self._report(lease_record(events.LEASE_USED, lease, env=envs, program=program,
                                      exec_session_id=session_id, use_count=lease.use_count),
                         events.LEASE_USED, {**lease.to_json(now), "env": envs,
                                             "program": program})
        return [{"lease_id": by_id[i][0].id, "name": by_id[i][0].name, "env": env,
                 "value": by_id[i][1], "expires_at": iso(by_id[i][0].expires_at)}
                for i, env in wanted]

    def sweep(self) -> list[Lease]:
        """Record every lease that expired since the last sweep."""
        now = self._clock()
        expired = self.leases.sweep_expired(now=now)
        for lease in expired:
            self._report(lease_record(events.LEASE_EXPIRED, lease), events.LEASE_EXPIRED,
                         lease.to_json(now))
        return expired
