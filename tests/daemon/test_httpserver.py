"""The daemon's HTTP server in process, over a real Unix socket."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from approvald.daemon import httpserver, httpwire
from approvald.daemon.httpserver import HttpServer, Limits
from tests.support.asgi import body_length_app


@contextlib.asynccontextmanager
async def _serving(tmp_path: Path) -> AsyncIterator[str]:
    """The server answering with `_echo` on a Unix socket; its path."""
    path = str(tmp_path / "s")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()
    server = HttpServer(body_length_app, Limits())
    await server.start(listener)
    try:
        yield path
    finally:
        await server.stop(1.0)


def _post(path: str, body: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(path)
        sock.sendall(b"POST /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


async def test_a_body_larger_than_one_read_arrives_whole(tmp_path: Path) -> None:
    reads: list[int] = []
    original = httpserver._StreamProtocol.connection_made

    def spy(self: Any, transport: Any) -> None:
        original(self, transport)
        reads.append(transport.max_size)

    httpserver._StreamProtocol.connection_made = spy  # type: ignore[method-assign]
    body = b"b" * (5 * httpserver.READ_SIZE + 17)
    try:
        async with _serving(tmp_path) as path:
            answer = await asyncio.to_thread(_post, path, body)
    finally:
        httpserver._StreamProtocol.connection_made = original  # type: ignore[method-assign]
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b"\r\n\r\n" + str(len(body)).encode())
    assert reads == [httpserver.READ_SIZE]  # reads of 64 KiB, not asyncio's 256 KiB


async def test_an_answer_with_its_length_goes_out_in_one_write(tmp_path: Path) -> None:
    writes: list[bytes] = []
    original = httpwire.Response._write

    async def spy(self: Any, data: bytes) -> None:
        writes.append(data)
        await original(self, data)

    httpwire.Response._write = spy  # type: ignore[method-assign]
    try:
        async with _serving(tmp_path) as path:
            answer = await asyncio.to_thread(_post, path, b"12345")
    finally:
        httpwire.Response._write = original  # type: ignore[method-assign]
    assert writes == [answer]  # the head and the body together
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\n5")
