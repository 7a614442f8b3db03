"""Which audit sink the daemon writes through: a writer process, or itself in a frozen build."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from approvald.audit import read_records
from approvald.audit.background import AuditWriter
from approvald.audit.loopwriter import LoopAuditWriter
from approvald.daemon import server
from approvald.paths import get_paths
from approvald.storage.database import Database


@pytest.mark.parametrize("frozen", [False, True])
async def test_the_daemon_commits_through_a_writer_process_unless_frozen(
        approvald_home: Path, monkeypatch: pytest.MonkeyPatch, frozen: bool) -> None:
    if frozen:
        monkeypatch.setattr(sys, "frozen", True, raising=False)
    paths = get_paths()
    database = Database(paths.database)
    writer = server._open_audit(paths, database)
    try:
        assert isinstance(writer, AuditWriter if frozen else LoopAuditWriter)
        if not frozen:
            writer.bind_loop(asyncio.get_running_loop())
        writer.append({"event": "decision", "summary": "ls"})
        await asyncio.wrap_future(writer.barrier())
        assert getattr(writer, "started", 0) == (0 if frozen else 1)
    finally:
        writer.close()
        database.close()
    written = list(read_records(paths.audit))
    assert written[0]["seq"] == 1 and written[0]["summary"] == "ls"
