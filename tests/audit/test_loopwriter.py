"""The audit log committed by a child process and driven from the event loop
(`approvald.audit.loopwriter.LoopAuditWriter`): real processes, a real log, a real anchor."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import os
import pickle
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from approvald.audit import AuditLog, read_records, verify_chain
from approvald.audit.loopwriter import LoopAuditWriter
from approvald.audit.process import RECORDS, writer_main
from approvald.redaction import forget_secrets, remember_secret
from approvald.storage.anchor import AuditAnchor, open_anchor
from approvald.storage.database import Database

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="forkserver children")

GH = "ghp_" + "Q7w8E9r0" * 4 + "AbCd"


def _writer(tmp_path: Path, **kwargs: Any) -> LoopAuditWriter:
    database = Database(tmp_path / "db.sqlite")
    here = AuditLog(tmp_path / "audit", fsync=True, anchor=AuditAnchor(database).advance)
    context = kwargs.pop("context", None) or multiprocessing.get_context("forkserver")
    anchor = functools.partial(open_anchor, tmp_path / "db.sqlite")
    return LoopAuditWriter(here, context, anchor=anchor, **kwargs)


def _record(i: int, **extra: Any) -> dict[str, Any]:
    return {"event": "decision", "summary": f"echo {i}", "decision": "ALLOW", **extra}


def _summaries(tmp_path: Path) -> list[str]:
    return [r["summary"] for r in read_records(tmp_path / "audit")]


async def _until(condition: Any) -> None:
    for _ in range(3000):  # a bound for a broken writer, not a speed check
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_records_go_in_order_redacted_and_each_barrier_waits_for_its_own(
        tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    seen: list[dict[str, Any]] = []
    writer.add_listener(seen.append)
    writer.append(_record(0))  # before the loop is bound: waits, then goes first
    writer.bind_loop(asyncio.get_running_loop())
    remember_secret("LEASE", "lease-value-7f3a9c21")  # known to this process only
    try:
        barriers = []
        for i in range(1, 30):
            writer.append(_record(i, cmd=f"curl -H 'token: {GH}' -d lease-value-7f3a9c21"))
            barriers.append(writer.barrier())
            if i % 7 == 0:
                await asyncio.sleep(0)  # some go while a commit is on its way
        await asyncio.gather(*barriers)
        written = len(list(read_records(tmp_path / "audit")))
        assert written == 30  # every barrier done: every record before it is on disk
        await writer.barrier()  # nothing appended since: done at once
    finally:
        writer.close()
        forget_secrets()
    assert writer.started == 1 and writer.failure is None
    assert _summaries(tmp_path) == [f"echo {i}" for i in range(30)]
    text = (tmp_path / "audit" / "audit.jsonl").read_text()
    assert GH not in text and "lease-value-7f3a9c21" not in text
    records = list(read_records(tmp_path / "audit"))
    assert [r["hash"] for r in seen] == [r["hash"] for r in records]
    anchor = AuditAnchor(Database(tmp_path / "db.sqlite")).get()
    assert anchor == (30, records[-1]["hash"])
    assert verify_chain(tmp_path / "audit", anchor).ok


@pytest.mark.parametrize("how", ["killed", "stopped"])
async def test_a_child_gone_or_stuck_fails_its_batch_holds_it_and_a_new_one_writes_it(
        tmp_path: Path, how: str) -> None:
    writer = _writer(tmp_path, reply_timeout_s=1.0)
    writer.bind_loop(asyncio.get_running_loop())
    try:
        writer.append(_record(1))
        await writer.barrier()
        pid = writer._process.pid
        os.kill(pid, signal.SIGKILL if how == "killed" else signal.SIGSTOP)
        writer.append(_record(2))
        with pytest.raises(OSError, match="the audit writer process failed"):
            await writer.barrier()
        assert writer.failure is not None and writer.held == 1
        writer.append(_record(3))
        await writer.barrier()  # a new child: the held record, then this one
        assert writer.started == 2 and writer._process.pid != pid
        assert writer.failure is None and writer.held == 0
    finally:
        writer.close()
    assert _summaries(tmp_path) == ["echo 1", "echo 2", "echo 3"]
    assert verify_chain(tmp_path / "audit").ok


async def test_held_records_are_retried_without_a_new_barrier(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.RETRY_S = 0.05
    writer.bind_loop(asyncio.get_running_loop())
    active = tmp_path / "audit" / "audit.jsonl"
    try:
        writer.append(_record(1))
        await writer.barrier()
        active.rename(tmp_path / "kept.jsonl")
        active.mkdir()  # the log cannot be opened for appending: every commit fails
        writer.append(_record(2))
        with pytest.raises(OSError):
            await writer.barrier()
        assert writer.failure is not None and writer.held == 1
        active.rmdir()
        (tmp_path / "kept.jsonl").rename(active)
        await _until(lambda: writer.held == 0)
        assert writer.failure is None
    finally:
        writer.close()
    assert _summaries(tmp_path) == ["echo 1", "echo 2"]
    assert verify_chain(tmp_path / "audit").ok


async def test_records_are_written_on_a_thread_when_no_process_can_start(
        tmp_path: Path) -> None:
    class NoProcesses:
        def Pipe(self) -> Any:  # multiprocessing's name
            raise OSError("no processes here")

    writer = _writer(tmp_path, context=NoProcesses())
    seen: list[dict[str, Any]] = []
    writer.add_listener(seen.append)
    writer.bind_loop(asyncio.get_running_loop())
    try:
        writer.append(_record(1))
        first = writer.barrier()
        writer.append(_record(2))
        await first
        await asyncio.wrap_future(writer.barrier())
    finally:
        writer.close()
    assert writer.started == 0 and writer._thread is not None
    assert _summaries(tmp_path) == ["echo 1", "echo 2"]
    assert [r["summary"] for r in seen] == ["echo 1", "echo 2"]
    assert verify_chain(tmp_path / "audit").ok


@pytest.mark.parametrize("on_its_way", [False, True])
def test_close_after_the_loop_commits_what_is_left(tmp_path: Path, on_its_way: bool) -> None:
    writer = _writer(tmp_path)

    async def serve() -> None:
        writer.bind_loop(asyncio.get_running_loop())
        writer.append(_record(1))
        await writer.barrier()
        writer.append(_record(2))
        if on_its_way:
            await asyncio.sleep(0)  # sent; its answer not read before the loop ends
        writer.append(_record(3))

    asyncio.run(serve())
    writer.close()
    assert _summaries(tmp_path) == ["echo 1", "echo 2", "echo 3"]
    assert verify_chain(tmp_path / "audit").ok


def test_records_appended_before_any_loop_are_written_on_close(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.append(_record(1))
    writer.close()
    assert _summaries(tmp_path) == ["echo 1"]


async def test_the_childs_failure_is_the_one_writing_here_would_raise(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.bind_loop(asyncio.get_running_loop())
    try:
        writer.append(_record(1))
        await writer.barrier()
        active = tmp_path / "audit" / "audit.jsonl"
        active.unlink()
        active.mkdir()  # the log cannot be opened for appending
        writer.append(_record(2))
        with pytest.raises(OSError):
            await writer.barrier()
        there = writer.failure
        with pytest.raises(Exception) as here:
            writer.fallback.append_many([_record(2)])
    finally:
        writer.close()
    assert there == f"{type(here.value).__name__}: {here.value}"


async def test_a_batch_larger_than_the_pipe_goes_out_as_the_child_reads_it(
        tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.bind_loop(asyncio.get_running_loop())
    long = "x" * 60_000
    try:
        for i in range(20):  # about 1.2 MB in one batch: many times a pipe's buffer
            writer.append(_record(i, output=long))
        await writer.barrier()
    finally:
        writer.close()
    assert _summaries(tmp_path) == [f"echo {i}" for i in range(20)]
    assert verify_chain(tmp_path / "audit").ok


async def test_a_batch_waits_for_records_on_their_way_and_a_lone_one_goes_at_once(
        tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    coming = [True]
    writer.linger_while(lambda: coming[0])
    writer.bind_loop(asyncio.get_running_loop())
    try:
        writer.append(_record(0))
        await writer.barrier()  # the child's start; the first batch waits LINGER_S at most
        commits = writer.commits
        writer.append(_record(1))
        first = writer.barrier()
        await asyncio.sleep(0)
        writer.append(_record(2))  # on its way while the batch waited: goes with it
        coming[0] = False
        writer.append(_record(3))  # the last one: the batch goes without waiting further
        await writer.barrier()
        assert first.done()
        assert writer.commits == commits + 1
        coming[0] = True
        writer.append(_record(4))
        await asyncio.wait_for(writer.barrier(), 30)  # more "coming" never comes: LINGER_S
        coming[0] = False
        writer.append(_record(5))
        await writer.barrier()
    finally:
        writer.close()
    assert _summaries(tmp_path) == [f"echo {i}" for i in range(6)]


async def test_a_record_pickle_cannot_carry_is_written_as_the_log_itself_would(
        tmp_path: Path) -> None:
    import threading

    unpicklable = threading.Lock()
    record = _record(0, held=unpicklable)
    writer = _writer(tmp_path)
    writer.bind_loop(asyncio.get_running_loop())
    try:
        writer.append(record)
        await writer.barrier()
    finally:
        writer.close()
    written = list(read_records(tmp_path / "audit"))
    assert written[0]["held"] == AuditLog.bodies([record])[0]["held"]
    assert isinstance(written[0]["held"], str)


@contextlib.contextmanager
def _writer_child(directory: Path) -> Iterator[tuple[Any, Any]]:
    """The writer child over `directory` (no sync, no anchor), once it says it is ready: our
    end of its pipe, and the process."""
    context = multiprocessing.get_context("forkserver")
    ours, theirs = context.Pipe()
    child = context.Process(target=writer_main, args=(theirs, str(directory), False, None))
    child.start()
    theirs.close()
    try:
        assert pickle.loads(ours.recv_bytes()) == ("ready", None)
        yield ours, child
    finally:
        ours.close()  # the child's end: it returns
        child.join(10)


def test_the_child_answers_with_the_records_as_written_only_when_asked(tmp_path: Path) -> None:
    """Records go back to the daemon only for its listeners; else the answer is how many."""
    with _writer_child(tmp_path) as (ours, _):
        ours.send_bytes(pickle.dumps((RECORDS, [_record(1), _record(2)], (), False)))
        assert pickle.loads(ours.recv_bytes()) == ("ok", 2)
        ours.send_bytes(pickle.dumps((RECORDS, [_record(3, token=GH)], (), True)))
        status, written = pickle.loads(ours.recv_bytes())
    assert status == "ok" and written == list(read_records(tmp_path))[2:]
    assert written[0]["summary"] == "echo 3" and GH not in str(written)


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc")
def test_the_child_hashes_with_hashlib(tmp_path: Path) -> None:
    """`approvald.signing.sha256` takes hashlib's (OpenSSL's) once it is loaded: four times
    as fast on a record as the built-in one, which the child would use otherwise."""
    with _writer_child(tmp_path) as (_, child):
        assert "_hashlib" in Path(f"/proc/{child.pid}/maps").read_text()
