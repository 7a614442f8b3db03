"""The first reader of every connection: agents' decision requests answered from the transport.

Every tool call of every agent is one connection with one request (`POST /v1/hook/AGENT`, or
`/v1/decide` from the MCP gateway). Through asyncio's streams and the ASGI cycle, a decision
cost more in reading, timers, wake-ups and message dicts than in its own work. This protocol
reads the request head itself and, for a plain agent request (a `Content-Length` body within
the cap, an agent slot free), reads the body and asks `AgentAnswerer.answer`, which runs the
client gate and the same use cases as the app, and writes the answer in one write.

Anything else (another route or method, a chunked body, a head or body the server refuses,
an unproven request) is handed to the stream server unread: the bytes received so far go to a
`StreamReader` and the connection is served by `HttpServer._serve` from there on, with every
limit and refusal as before. The limits this side keeps are the same: the head within
`head_timeout_s` (`idle_timeout_s` between requests), the body within `body_timeout_s` (408),
the agent cap on requests in flight, the pending-heads shedding, a client's hang-up while a
request waits (`disconnected`), and a connection watched for its hang-up is not reused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from approvald.daemon.httpserver import AGENT, READ_SIZE, Peer, _StreamProtocol
from approvald.daemon.httpwire import Refused, answer_head, parse_head, refusal, simple_answer

if TYPE_CHECKING:
    from approvald.daemon.httpserver import HttpServer

log = logging.getLogger("approvald.daemon")

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class AgentAnswerer(Protocol):
    def takes(self, method: str, target: str) -> bool:
        """Whether `method target` is an agent request this answers."""

    async def answer(self, method: str, target: str, headers: list[tuple[bytes, bytes]],
                     body: bytes, peer: int | None,
                     disconnected: Callable[[], Awaitable[Any]]) -> Answer | None:
        """(status, headers, body); None: the app answers this request (the stream server)."""


HEAD, BODY, BUSY, HANDED_OVER = range(4)
INTERNAL_ERROR = simple_answer(500, b'{"error": "internal error"}')  # as the stream server's


class FrontProtocol(asyncio.Protocol):
    def __init__(self, server: HttpServer, agent: AgentAnswerer,
                 loop: asyncio.AbstractEventLoop):
        self.server = server
        self.agent = agent
        self.loop = loop
        self.transport: Any = None
        self.peer = Peer(None)
        self.buffer = bytearray()
        self.state = HEAD
        self.first = True
        self.eof = False
        self.paused = False
        self.watched = False  # the request's hang-up is watched: the connection is not reused
        self.gone: asyncio.Future[None] | None = None
        self.timer: asyncio.TimerHandle | None = None
        # method, target, headers, keep-alive, head size, body size
        self.request: tuple[str, str, list[tuple[bytes, bytes]], bool, int, int] | None = None
        self.task: asyncio.Task[None] | None = None

    # -- asyncio's calls ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if hasattr(transport, "max_size"):  # 64 KiB reads (httpserver._StreamProtocol: why)
            transport.max_size = READ_SIZE
        self.transport = transport
        self.peer = Peer(transport.get_extra_info("socket"))
        self.server._connections.add(self)
        self.server._shed_pending()
        self._await_head()

    def data_received(self, data: bytes) -> None:
        if self.state == BUSY:
            if self.watched:
                return  # dropped, as the stream server's hang-up watch drops it
            self.buffer += data
            if len(self.buffer) > READ_SIZE and not self.paused:
                self.paused = True
                self.transport.pause_reading()
            return
        self.buffer += data
        if self.state == HEAD:
            self._read_head()
        elif self.state == BODY:
            self._body_arrived()

    def eof_received(self) -> bool | None:
        self.eof = True
        if self.state == BUSY:
            self._hung_up()
            return True  # the answer may still be written
        return None  # an unfinished request: closed without a word (as the stream server)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        self._hung_up()
        if self.state == BODY:
            self._release()
        if self.state != HANDED_OVER:
            self.server._pending.pop(self, None)
            self.server._connections.discard(self)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # -- the head -----------------------------------------------------------------------------

    def _await_head(self) -> None:
        self.state = HEAD
        limits = self.server.limits
        self.server._pending[self] = time.monotonic()
        self.timer = self.loop.call_later(
            limits.head_timeout_s if self.first else limits.idle_timeout_s, self._too_slow)
        if self.buffer:
            self._read_head()

    def _too_slow(self) -> None:
        self.timer = None
        self.transport.close()  # an idle or slow client: closed without a word

    def _read_head(self) -> None:
        end = self.buffer.find(b"\r\n\r\n")
        limit = self.server.limits.head_bytes
        if end < 0:
            if len(self.buffer) > limit:
                self._hand_over()  # refused there (431)
            return
        if end > limit:
            self._hand_over()
            return
        head_size = end + 4
        try:
            method, target, headers, keep_alive = parse_head(bytes(self.buffer[:head_size]))
        except Refused:
            self._hand_over()
            return
        if not self.agent.takes(method, target):
            self._hand_over()
            return
        size = self._body_size(headers)
        server = self.server
        if size is None or server._in_flight[AGENT] >= server.limits.agent_requests:
            self._hand_over()  # refused there (400, 413, 503)
            return
        self._cancel_timer()
        server._pending.pop(self, None)
        server._in_flight[AGENT] += 1
        server._busy.add(self)
        self.request = (method, target, headers, keep_alive, head_size, size)
        self.state = BODY
        if len(self.buffer) >= head_size + size:
            self._dispatch()
        else:
            self.timer = self.loop.call_later(server.limits.body_timeout_s, self._body_late)

    def _body_size(self, headers: list[tuple[bytes, bytes]]) -> int | None:
        """The body's length when it is plainly given and within the cap; else None."""
        lengths = []
        for name, value in headers:
            if name == b"content-length":
                lengths.append(value)
            elif name == b"transfer-encoding":
                return None
        if not lengths:
            return 0
        if len(set(lengths)) != 1 or not lengths[0].strip().isdigit():
            return None
        size = int(lengths[0])
        return size if size <= self.server.limits.max_body else None

    # -- the body and the answer --------------------------------------------------------------

    def _body_arrived(self) -> None:
        assert self.request is not None
        if len(self.buffer) >= self.request[4] + self.request[5]:
            self._cancel_timer()
            self._dispatch()

    def _body_late(self) -> None:
        self.timer = None
        self._release()
        self.state = HANDED_OVER  # nothing more is read
        self.server._connections.discard(self)
        self.transport.write(refusal(408, "the request body did not arrive in time"))
        self.transport.close()

    def _dispatch(self) -> None:
        assert self.request is not None
        method, target, headers, keep_alive, head_size, size = self.request
        body = bytes(self.buffer[head_size:head_size + size])
        self.state = BUSY
        self.task = self.loop.create_task(self._answer(method, target, headers, body,
                                                       keep_alive, head_size + size))

    async def _answer(self, method: str, target: str, headers: list[tuple[bytes, bytes]],
                      body: bytes, keep_alive: bool, whole: int) -> None:
        out: bytes | None = None
        try:
            answer = await self.agent.answer(method, target, headers, body, self.peer.pid,
                                             self._disconnected)
            if answer is not None:
                out = answer_head(answer[0], answer[1]) + answer[2]
        except Exception:
            log.exception("internal error on %s %s", method, target)
            out, keep_alive = INTERNAL_ERROR, False
        finally:
            self._release()
        if out is None:  # the app answers it: the request goes to the stream server
            self._hand_over()
            return
        del self.buffer[:whole]
        transport = self.transport
        if transport.is_closing():
            return  # the client is gone: no answer to receive
        transport.write(out)
        if transport.get_write_buffer_size():  # the kernel did not take it all
            self.loop.call_later(self.server.limits.write_timeout_s, self._write_late)
        if not keep_alive or self.watched or self.eof or self.server.closing:
            transport.close()
            return
        self.first = False
        if self.paused:
            self.paused = False
            transport.resume_reading()
        self._await_head()

    def _write_late(self) -> None:
        if self.transport.get_write_buffer_size():
            self.transport.abort()

    async def _disconnected(self) -> None:
        """Completes when the client hangs up."""
        self.watched = True
        if self.gone is None:
            self.gone = self.loop.create_future()
            if self.eof or self.transport.is_closing():
                self.gone.set_result(None)
        await asyncio.shield(self.gone)

    # -- bookkeeping --------------------------------------------------------------------------

    def _hung_up(self) -> None:
        if self.gone is not None and not self.gone.done():
            self.gone.set_result(None)

    def _release(self) -> None:
        """The request's agent slot is free again."""
        if self in self.server._busy:
            self.server._busy.discard(self)
            self.server._in_flight[AGENT] -= 1
            self.server.served += 1

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _hand_over(self) -> None:
        """The stream server serves this connection from here on, from the bytes received."""
        self._cancel_timer()
        self.state = HANDED_OVER
        server = self.server
        server._pending.pop(self, None)
        server._connections.discard(self)
        if self.paused:
            self.paused = False
            self.transport.resume_reading()
        reader = asyncio.StreamReader(limit=server.limits.head_bytes, loop=self.loop)
        protocol = _StreamProtocol(reader, server._serve, loop=self.loop)
        self.transport.set_protocol(protocol)
        protocol.connection_made(self.transport)
        if self.buffer:
            reader.feed_data(bytes(self.buffer))
            self.buffer.clear()
        if self.eof:
            protocol.eof_received()
