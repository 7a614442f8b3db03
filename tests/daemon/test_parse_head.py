"""A request head as the daemon's HTTP server reads it (httpwire.parse_head), held to the
reading that decoded each part of the request line and joined Connection afterwards."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.daemon.httpwire import Refused, parse_head


def _reference(head: bytes) -> Any:
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        return 400
    method, target, version = (p.decode("latin-1") for p in parts)
    if not method.isalpha() or not target.startswith("/"):
        return 400
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            return 400
        headers.append((name.lower(), value.strip()))
    connection = b",".join(v for k, v in headers if k == b"connection").lower()
    keep_alive = b"close" not in connection and (version == "HTTP/1.1"
                                                 or b"keep-alive" in connection)
    return method, target, headers, keep_alive


def _ours(head: bytes) -> Any:
    try:
        return parse_head(head)
    except Refused as exc:
        return exc.status


_WORDS = st.sampled_from([b"POST", b"GET", b"/v1/hook/claude-code", b"/", b"x", b"HTTP/1.1",
                          b"HTTP/1.0", b"HTTP/2", b"", b"\xe9", b"g\xe9t"])
_NAMES = st.sampled_from([b"Connection", b"connection", b"CONNECTION", b"Host", b"Content-Length",
                          b" Host", b"Host ", b"", b"X-\xff"])
_VALUES = st.sampled_from([b" close", b"keep-alive", b" Keep-Alive ", b"Close, Upgrade", b"",
                           b"x:y", b"\xe9"])


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a busy machine
@given(st.lists(_WORDS, min_size=1, max_size=4),
       st.lists(st.tuples(_NAMES, st.sampled_from([b":", b""]), _VALUES), max_size=5))
def test_a_head_reads_as_the_reference_reads_it(
        words: list[bytes], headers: list[tuple[bytes, bytes, bytes]]) -> None:
    head = b"\r\n".join([b" ".join(words), *(n + s + v for n, s, v in headers)]) + b"\r\n\r\n"
    assert _ours(head) == _reference(head)
