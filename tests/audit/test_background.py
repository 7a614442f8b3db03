"""The background audit writer's barriers: a barrier completes only once every record
appended before it is written, and barriers asked for together are one."""

from __future__ import annotations

import threading

from approvald.audit.background import AuditWriter
from tests.support.audit import GatedSink


def test_barriers_asked_together_are_one_and_cover_every_record_before_them() -> None:
    sink = GatedSink()
    writer = AuditWriter(sink)
    try:
        writer.append({"event": "r0"})
        assert sink.entered.wait(10)  # the writer holds r0 and waits at the gate
        writer.append({"event": "r1"})
        first = writer.barrier()
        writer.append({"event": "r2"})
        second = writer.barrier()
        assert second is first  # still queued: the writer will take r2 with it
        sink.gate.set()
        first.result(10)
        assert [r["event"] for r in sink.written] == ["r0", "r1", "r2"]
        third = writer.barrier()  # the first was taken: a new one
        assert third is not first
        third.result(10)
    finally:
        sink.gate.set()
        writer.close()


def test_every_barrier_covers_its_own_record_under_concurrency() -> None:
    sink = GatedSink()
    sink.gate.set()
    writer = AuditWriter(sink)
    missing: list[int] = []

    def one(i: int) -> None:
        writer.append({"event": "e", "i": i})
        writer.barrier().result(10)
        if not any(r.get("i") == i for r in list(sink.written)):
            missing.append(i)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    writer.close()
    assert missing == [] and len(sink.written) == 200


def test_a_barrier_given_up_on_does_not_stop_the_writer() -> None:
    """A waiter that cancels the shared barrier (a timeout) must not end the writer's thread:
    later records and barriers are still written."""
    sink = GatedSink()
    writer = AuditWriter(sink)
    try:
        writer.append({"event": "r0"})
        assert sink.entered.wait(10)
        abandoned = writer.barrier()
        assert abandoned.cancel()
        sink.gate.set()
        writer.append({"event": "r1"})
        writer.barrier().result(10)
        assert [r["event"] for r in sink.written] == ["r0", "r1"]
    finally:
        sink.gate.set()
        writer.close()
