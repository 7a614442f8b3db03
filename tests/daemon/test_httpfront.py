"""The server's front protocol in process, over a real Unix socket: agent requests answered
from the connection, everything else handed to the stream server with its limits."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from approvald.daemon.httpserver import HttpServer, Limits
from tests.support.asgi import body_length_app

AGENT_TARGET = "/v1/hook/claude-code"


class _Agent:
    """Answers agent requests with the body's length and the peer; `declines` leaves a body
    to the app; `waits` waits for the client to hang up first."""

    def __init__(self) -> None:
        self.peers: list[int | None] = []
        self.gone = asyncio.Event()

    def takes(self, method: str, target: str) -> bool:
        return method == "POST" and target == AGENT_TARGET

    async def answer(self, method: str, target: str, headers: list[tuple[bytes, bytes]],
                     body: bytes, peer: int | None,
                     disconnected: Callable[[], Awaitable[Any]]
                     ) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        self.peers.append(peer)
        if body == b"declines":
            return None
        if body == b"waits":
            await disconnected()
            self.gone.set()
        answer = b"agent:%d" % len(body)
        return 200, [(b"content-length", str(len(answer)).encode())], answer


@contextlib.asynccontextmanager
async def _serving(tmp_path: Path, agent: _Agent, **limits: Any) -> AsyncIterator[str]:
    path = str(tmp_path / "s")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()
    server = HttpServer(body_length_app, Limits(**limits), agent=agent)
    await server.start(listener)
    try:
        yield path
    finally:
        await server.stop(1.0)


def _request(target: str, body: bytes, keep: bool = False, extra: bytes = b"") -> bytes:
    return (b"POST %s HTTP/1.1\r\nHost: a\r\n%s%sContent-Length: %d\r\n\r\n%s"
            % (target.encode(), b"" if keep else b"Connection: close\r\n", extra, len(body),
               body))


def _exchange(path: str, data: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(path)
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _bodies(answer: bytes) -> list[bytes]:
    """The bodies of the answers in `answer`, in order (each with a Content-Length)."""
    bodies = []
    while answer:
        head, _, rest = answer.partition(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        bodies.append(rest[:length])
        answer = rest[length:]
    return bodies


async def test_an_agent_request_is_answered_at_the_front_with_its_peer(tmp_path: Path) -> None:
    agent = _Agent()
    async with _serving(tmp_path, agent) as path:
        answer = await asyncio.to_thread(_exchange, path, _request(AGENT_TARGET, b"12345"))
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and _bodies(answer) == [b"agent:5"]
    assert agent.peers == [os.getpid()]


async def test_other_requests_and_declined_ones_reach_the_app(tmp_path: Path) -> None:
    agent = _Agent()
    async with _serving(tmp_path, agent) as path:
        other = await asyncio.to_thread(_exchange, path, _request("/v1/status", b"123"))
        declined = await asyncio.to_thread(_exchange, path,
                                           _request(AGENT_TARGET, b"declines"))
        chunked = await asyncio.to_thread(
            _exchange, path, b"POST " + AGENT_TARGET.encode() + b" HTTP/1.1\r\nHost: a\r\n"
            b"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    assert _bodies(other) == [b"3"]
    assert _bodies(declined) == [b"8"]
    assert _bodies(chunked) == [b"3"]


async def test_a_kept_connection_carries_agent_and_app_requests_in_turn(tmp_path: Path) -> None:
    agent = _Agent()
    data = (_request(AGENT_TARGET, b"a", keep=True) + _request(AGENT_TARGET, b"bb", keep=True)
            + _request("/other", b"ccc", keep=True) + _request(AGENT_TARGET, b"dddd"))
    async with _serving(tmp_path, agent) as path:
        answer = await asyncio.to_thread(_exchange, path, data)
    # After the app's answer the stream server keeps the connection: the last goes there too.
    assert _bodies(answer) == [b"agent:1", b"agent:2", b"3", b"4"]


async def test_the_front_refuses_as_the_stream_server_does(tmp_path: Path) -> None:
    agent = _Agent()
    async with _serving(tmp_path, agent, max_body=10, head_bytes=1024) as path:
        too_large = await asyncio.to_thread(_exchange, path, _request(AGENT_TARGET, b"x" * 11))
        bad_length = await asyncio.to_thread(
            _exchange, path, _request(AGENT_TARGET, b"x", extra=b"Content-Length: 2\r\n"))
        long_head = await asyncio.to_thread(
            _exchange, path, _request(AGENT_TARGET, b"x", extra=b"X-Pad: %s\r\n" % (b"p" * 2000)))
    assert too_large.startswith(b"HTTP/1.1 413 ")
    assert bad_length.startswith(b"HTTP/1.1 400 ")
    assert long_head.startswith(b"HTTP/1.1 431 ")
    assert agent.peers == []


async def test_a_late_body_is_408_and_a_silent_head_is_closed(tmp_path: Path) -> None:
    agent = _Agent()

    def late_body(path: str) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(path)
            sock.sendall(_request(AGENT_TARGET, b"12345")[:-2])  # two bytes short
            return sock.recv(65536)

    def silent(path: str) -> tuple[bytes, float]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(path)
            started = time.monotonic()
            sock.sendall(b"POST /v1/hook/claude-code HTTP/1.1\r\n")
            return sock.recv(65536), time.monotonic() - started

    async with _serving(tmp_path, agent, body_timeout_s=0.2, head_timeout_s=0.2) as path:
        answer = await asyncio.to_thread(late_body, path)
        closed, _ = await asyncio.to_thread(silent, path)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert closed == b""
    assert agent.peers == []


async def test_a_client_hanging_up_while_its_request_waits_is_seen(tmp_path: Path) -> None:
    agent = _Agent()
    async with _serving(tmp_path, agent) as path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
        sock.sendall(_request(AGENT_TARGET, b"waits"))
        while not agent.peers:
            await asyncio.sleep(0.01)
        sock.close()
        await asyncio.wait_for(agent.gone.wait(), 10)


async def test_agent_requests_past_the_cap_are_refused(tmp_path: Path) -> None:
    agent = _Agent()
    async with _serving(tmp_path, agent, agent_requests=1) as path:
        waiting = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        waiting.connect(path)
        waiting.sendall(_request(AGENT_TARGET, b"waits"))
        while not agent.peers:
            await asyncio.sleep(0.01)
        refused = await asyncio.to_thread(_exchange, path, _request(AGENT_TARGET, b"x"))
        waiting.close()
        await asyncio.wait_for(agent.gone.wait(), 10)
        after = await asyncio.to_thread(_exchange, path, _request(AGENT_TARGET, b"x"))
    assert refused.startswith(b"HTTP/1.1 503 ")
    assert _bodies(after) == [b"agent:1"]
