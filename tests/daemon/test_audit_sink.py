"""Which audit sink the daemon writes through: a writer process, or itself in a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from approvald.audit import AuditLog
from approvald.audit.process import ProcessSink
from approvald.daemon import server
from approvald.paths import get_paths
from approvald.storage.database import Database


@pytest.mark.parametrize("frozen", [False, True])
def test_the_daemon_commits_through_a_writer_process_unless_frozen(
        approvald_home: Path, monkeypatch: pytest.MonkeyPatch, frozen: bool) -> None:
    if frozen:
        monkeypatch.setattr(sys, "frozen", True, raising=False)
    paths = get_paths()
    database = Database(paths.database)
    sink = server._open_audit(paths, database)
    try:
        assert isinstance(sink, AuditLog if frozen else ProcessSink)
        written = sink.append_many([{"event": "decision", "summary": "ls"}])
        assert written[0]["seq"] == 1 and written[0]["summary"] == "ls"
    finally:
        sink.close()
        database.close()
