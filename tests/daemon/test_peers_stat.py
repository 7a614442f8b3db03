"""A process read from its /proc/PID/stat line (approvald.daemon.peers), held to the reading
that split the whole line."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.daemon import peers


def _whole_line_reading(pid: int, raw: bytes) -> tuple[int, int, str, str] | None:
    open_paren, close_paren = raw.find(b"("), raw.rfind(b")")
    if open_paren < 0 or close_paren < 0:
        return None
    name = raw[open_paren + 1:close_paren].decode("utf-8", "replace")
    rest = raw[close_paren + 2:].split()
    try:
        return pid, int(rest[1]), name, rest[19].decode()
    except (IndexError, ValueError):
        return None


_COMMS = st.binary(max_size=20)  # spaces, parentheses, bytes that are not UTF-8
_FIELDS = st.lists(st.sampled_from([b"S", b"0", b"12", b"-1", b"x", b"1844674407370955"]),
                   max_size=60)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a busy machine
@given(st.integers(1, 2**22), _COMMS, _FIELDS, st.sampled_from([b"", b"\n", b" \n"]),
       st.booleans())
def test_a_stat_line_reads_as_the_whole_line_split_reads_it(
        pid: int, comm: bytes, fields: list[bytes], end: bytes, double_space: bool) -> None:
    raw = b"%d (%s) " % (pid, comm) + (b"  " if double_space else b" ").join(fields) + end
    got = peers._stat_process(pid, raw)
    assert (None if got is None else tuple(got)) == _whole_line_reading(pid, raw)


def test_this_process_reads_as_itself() -> None:
    me = peers.process(os.getpid())
    assert me is not None and me.pid == os.getpid() and me.ppid == os.getppid()
    assert me.key == (me.pid, me.start) and me == peers.process(os.getpid())
