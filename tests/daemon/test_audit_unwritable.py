"""A full disk under the audit log: records are held, not lost, and nothing is allowed meanwhile."""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path
from typing import Any

import pytest

from approvald.audit import AuditLog
from approvald.audit.background import AuditWriter
from approvald.daemon import decisions, hook_events
from approvald.paths import get_paths
from tests.support.audit import GatedSink
from tests.support.daemon import asgi_client, decide_body, make_context


class FlakyDisk:
    """The real audit log behind a switch that makes every append fail like a full disk."""

    def __init__(self, directory: Path) -> None:
        self.log = AuditLog(directory)
        self.full = False

    def append(self, record: dict[str, Any]) -> Any:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.log.append(record)


def test_writer_holds_records_until_the_disk_has_room(tmp_path: Path) -> None:
    disk = FlakyDisk(tmp_path / "audit")
    writer = AuditWriter(disk)
    writer.RETRY_S = 0.05
    try:
        writer.append({"event": "decision", "n": 1})
        assert writer.flush()
        disk.full = True
        writer.append({"event": "decision", "n": 2})
        writer.append({"event": "decision", "n": 3})
        assert writer.flush()
        assert writer.failure is not None and "No space left" in writer.failure
        assert writer.held == 2
        disk.full = False
        assert writer.flush()
        assert writer.failure is None and writer.held == 0
    finally:
        writer.close()
    records = [r["n"] for r in AuditLog(tmp_path / "audit").tail(10)]
    assert records == [1, 2, 3]  # nothing lost, order kept
    assert AuditLog(tmp_path / "audit").verify().ok


@pytest.mark.asyncio
async def test_daemon_refuses_actions_while_the_audit_cannot_be_written(approvald_home) -> None:
    paths = get_paths()
    disk = FlakyDisk(paths.audit)
    writer = AuditWriter(disk)
    ctx = make_context(paths, audit=writer)
    try:
        async with asgi_client(ctx) as client:
            async def decide() -> dict[str, Any]:
                r = await client.post("/v1/decide", json=decide_body("ls"))
                return r.json()

            assert (await decide())["decision"] == "ALLOW"
            disk.full = True
            # Its record cannot be written, so even this first one is refused: nothing is
            # allowed before its record is durable (issue 11).
            first = await decide()
            assert first["decision"] == "DENY"
            assert first["rules"] == ["approvald-audit-unwritable"]
            assert writer.flush()
            refused = await decide()
            assert refused["decision"] == "DENY"
            assert refused["rules"] == ["approvald-audit-unwritable"]
            assert (await client.get("/v1/status")).json()["audit_error"]
            disk.full = False
            assert writer.flush()
            assert (await decide())["decision"] == "ALLOW"
    finally:
        writer.close()
        ctx.database.close()
    # ALLOW, the refused ls (held: its ALLOW, then the DENY it became), DENY, ALLOW.
    assert len(AuditLog(paths.audit).tail(100)) == 5


@pytest.mark.asyncio
async def test_a_hook_event_giving_up_on_a_slow_audit_leaves_the_writer_working(
        approvald_home, monkeypatch: pytest.MonkeyPatch) -> None:
    """The redaction hook waits a little for its record; giving up must not cancel the barrier
    the writer shares with every decision (that ended the writer, and every later ALLOW)."""
    monkeypatch.setattr(decisions, "AUDIT_WAIT_S", 0.05)
    disk = GatedSink()
    writer = AuditWriter(disk)
    ctx = make_context(get_paths(), audit=writer)
    try:
        writer.append({"event": "r0"})
        assert disk.entered.wait(10)
        await hook_events._written(ctx)  # times out: the writer is at the gate
        shared = writer.barrier()
        assert not shared.cancelled()
        disk.gate.set()
        await asyncio.wrap_future(shared)
        writer.append({"event": "r1"})
        await asyncio.wrap_future(writer.barrier())
        assert [r["event"] for r in disk.written] == ["r0", "r1"]
    finally:
        disk.gate.set()
        writer.close()
