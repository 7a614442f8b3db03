"""The audit log committed by a child process (`approvald.audit.process.ProcessSink`): real
processes, a real log, a real database anchor."""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from approvald.audit import AuditError, AuditLog, read_records, verify_chain
from approvald.audit.background import AuditWriter
from approvald.audit.process import ProcessSink
from approvald.redaction import forget_secrets, remember_secret
from approvald.storage.anchor import AuditAnchor, open_anchor
from approvald.storage.database import Database

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="forkserver children")

GH = "ghp_" + "Q7w8E9r0" * 4 + "AbCd"


def _sink(tmp_path: Path, **kwargs: Any) -> ProcessSink:
    database = Database(tmp_path / "db.sqlite")
    here = AuditLog(tmp_path / "audit", fsync=True, anchor=AuditAnchor(database).advance)
    context = kwargs.pop("context", None) or multiprocessing.get_context("forkserver")
    anchor = functools.partial(open_anchor, tmp_path / "db.sqlite")
    return ProcessSink(here, context, anchor=anchor, **kwargs)


def _record(i: int, **extra: Any) -> dict[str, Any]:
    return {"event": "decision", "summary": f"echo {i}", "decision": "ALLOW", **extra}


def test_a_child_commits_in_order_redacted_with_what_this_process_remembers(
        tmp_path: Path) -> None:
    sink = _sink(tmp_path)
    writer = AuditWriter(sink)
    seen: list[dict[str, Any]] = []
    writer.add_listener(seen.append)
    remember_secret("LEASE", "lease-value-7f3a9c21")  # known to this process only
    try:
        for i in range(30):
            writer.append(_record(i, cmd=f"curl -H 'token: {GH}' -d lease-value-7f3a9c21"))
        writer.barrier().result(30)
    finally:
        writer.close()
        forget_secrets()
    assert sink.started == 1 and not sink.in_process
    records = list(read_records(tmp_path / "audit"))
    assert [r["summary"] for r in records] == [f"echo {i}" for i in range(30)]
    text = (tmp_path / "audit" / "audit.jsonl").read_text()
    assert GH not in text and "lease-value-7f3a9c21" not in text
    assert [r["hash"] for r in seen] == [r["hash"] for r in records]
    anchor = AuditAnchor(Database(tmp_path / "db.sqlite")).get()
    assert anchor == (30, records[-1]["hash"])
    assert verify_chain(tmp_path / "audit", anchor).ok


@pytest.mark.parametrize("how", ["killed", "stopped"])
def test_a_child_gone_or_stuck_fails_its_batch_and_the_next_one_starts_anew(
        tmp_path: Path, how: str) -> None:
    sink = _sink(tmp_path, reply_timeout_s=1.0)
    try:
        sink.append_many([_record(1)])
        pid = sink._process.pid
        os.kill(pid, signal.SIGKILL if how == "killed" else signal.SIGSTOP)
        if how == "killed":
            sink._process.join(5)
        with pytest.raises(AuditError, match="the audit writer process failed"):
            sink.append_many([_record(2)])
        written = sink.append_many([_record(2)])
        assert sink.started == 2 and sink._process.pid != pid
    finally:
        sink.close()
    assert written[0]["seq"] == 2
    assert verify_chain(tmp_path / "audit").ok


def test_the_childs_failure_is_the_one_writing_here_would_raise(tmp_path: Path) -> None:
    sink = _sink(tmp_path)
    try:
        sink.append_many([_record(1)])
        active = tmp_path / "audit" / "audit.jsonl"
        active.unlink()
        active.mkdir()  # the log cannot be opened for appending
        with pytest.raises(Exception) as there:
            sink.append_many([_record(2)])
        with pytest.raises(Exception) as here:
            sink.fallback.append_many([_record(2)])
    finally:
        sink.close()
    assert type(there.value) is type(here.value)
    assert str(there.value) == str(here.value)


def test_records_are_written_here_when_no_process_can_start(tmp_path: Path) -> None:
    class NoProcesses:
        def Pipe(self) -> Any:  # multiprocessing's name
            raise OSError("no processes here")

    sink = _sink(tmp_path, context=NoProcesses())
    try:
        written = sink.append_many([_record(1), _record(2)])
    finally:
        sink.close()
    assert sink.in_process and sink.started == 0
    assert [r["seq"] for r in written] == [1, 2]
    assert verify_chain(tmp_path / "audit").ok
