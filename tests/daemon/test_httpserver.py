"""The daemon's HTTP server in process, over a real Unix socket."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

from approvald.daemon import httpserver
from approvald.daemon.httpserver import HttpServer, Limits


async def _echo(scope: Any, receive: Any, send: Any) -> None:
    """Answers the length of the body it received, and how the connection reads."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    answer = str(len(body)).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})


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
    path = str(tmp_path / "s")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()
    server = HttpServer(_echo, Limits())
    await server.start(listener)
    reads: list[int] = []
    original = httpserver._StreamProtocol.connection_made

    def spy(self: Any, transport: Any) -> None:
        original(self, transport)
        reads.append(transport.max_size)

    httpserver._StreamProtocol.connection_made = spy  # type: ignore[method-assign]
    try:
        body = b"b" * (5 * httpserver.READ_SIZE + 17)
        answer = await asyncio.to_thread(_post, path, body)
    finally:
        httpserver._StreamProtocol.connection_made = original  # type: ignore[method-assign]
        await server.stop(1.0)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b"\r\n\r\n" + str(len(body)).encode())
    assert reads == [httpserver.READ_SIZE]  # reads of 64 KiB, not asyncio's 256 KiB
