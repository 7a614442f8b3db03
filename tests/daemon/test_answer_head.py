"""An answer's head as the daemon's HTTP server writes it (httpwire.answer_head), held to the
former writing (each header joined on its own)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.daemon.httpwire import REASONS, answer_head


def _reference(status: int, headers: Any) -> bytes:
    lines = [b"HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status").encode())]
    lines += [bytes(k) + b": " + bytes(v) for k, v in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


_BYTES = st.binary(max_size=20)
_HEADER = st.tuples(_BYTES, _BYTES) | st.tuples(_BYTES.map(bytearray), _BYTES).map(list)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a busy machine
@given(st.sampled_from(sorted(REASONS)) | st.integers(100, 599), st.lists(_HEADER, max_size=6))
def test_a_head_is_written_as_before(status: int, headers: Any) -> None:
    assert answer_head(status, headers) == _reference(status, headers)
