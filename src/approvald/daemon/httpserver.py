"""The daemon's HTTP/1.1 server: a small asyncio server for its ASGI app, built to be attacked.

Why not uvicorn: the daemon needs what a general server does not give it: the peer process of
every connection (the operator's side is refused to agents, `approvald.daemon.guard`), a
deadline on the whole request head (a client trickling header bytes is closed), bodies capped
while they stream (a chunked 200 MB body is refused at the cap, never buffered), agent and
operator requests counted apart (a flood of waiting hooks cannot lock the person out), and
recovery when the process runs out of file descriptors. The daemon has a dozen routes and two
kinds of clients; this speaks exactly what they need:

- HTTP/1.1 with keep-alive; `Content-Length` or chunked request bodies; answers with their
  `Content-Length`, or chunked when the app streams (the event stream);
- `http.disconnect` when a client hangs up while its request waits (a hook waiting for a
  person);
- the peer, in `scope["extensions"]["approvald.peer"]` (`Peer`).

Limits (`Limits`): a request head must arrive whole within `head_timeout_s` and fit
`head_bytes`; an idle keep-alive connection closes after `idle_timeout_s`; a body must arrive
within `body_timeout_s` and stay under `max_body` (413 otherwise, and the connection closes);
past `pending_heads` connections waiting for a head, those that sent nothing for
`head_grace_s` are closed, oldest first; agent routes (`/v1/hook/`, `/v1/decide`) and every
other route each have their own cap on requests in flight (503 past it). When accept() fails
for lack of descriptors, asyncio stops accepting for a second and tries again; the timeouts
above free what floods hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

from approvald.daemon import peers
from approvald.daemon.aio import within

if TYPE_CHECKING:
    from approvald.daemon.httpfront import AgentAnswerer

log = logging.getLogger("approvald.daemon")

ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]
PEER_EXTENSION = "approvald.peer"
# What agents' processes call (hooks, the MCP gateway): counted apart from the operator's.
AGENT_ROUTES = ("/v1/hook/", "/v1/decide", "/v1/mcp/pins/observe", "/v1/mcp/report",
                "/v1/redact")
AGENT, OPERATOR = "agent", "operator"
READ_SIZE = 65536
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
           409: "Conflict", 411: "Length Required", 413: "Content Too Large",
           431: "Request Header Fields Too Large", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class Limits:
    head_bytes: int = 64 * 1024
    head_timeout_s: float = 10.0
    idle_timeout_s: float = 15.0
    body_timeout_s: float = 60.0
    write_timeout_s: float = 30.0
    max_body: int = 32 * 1024 * 1024
    pending_heads: int = 128
    head_grace_s: float = 1.0
    agent_requests: int = 256
    operator_requests: int = 64


class Peer:
    """The process at the other end of a connection, looked up once, when first asked."""

    def __init__(self, sock: socket.socket | None):
        self._sock = sock
        self._pid: int | None = None
        self._looked = False

    @property
    def pid(self) -> int | None:
        if not self._looked:
            self._looked = True
            if self._sock is not None:
                try:
                    self._pid = peers.peer_pid(self._sock)
                except Exception:  # a platform call failing is "unidentified", never a crash
                    log.debug("peer lookup failed", exc_info=True)
        return self._pid


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class _Connection:
    __slots__ = ("disconnected", "peer", "reader", "since", "watcher", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.peer = Peer(writer.get_extra_info("socket"))
        self.since = time.monotonic()
        self.disconnected: asyncio.Future[None] | None = None
        self.watcher: asyncio.Future[None] | None = None

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.transport.abort()


class _StreamProtocol(asyncio.StreamReaderProtocol):
    """asyncio's stream protocol, reading at most READ_SIZE bytes at a time: its transports
    ask for 256 KiB, a buffer past malloc's mmap threshold, so every read of a few hundred
    bytes cost an mmap, an mremap and an munmap."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if hasattr(transport, "max_size"):  # set before the transport's first read
            transport.max_size = READ_SIZE
        super().connection_made(transport)


class _Abortable(Protocol):
    def abort(self) -> None: ...


class HttpServer:
    """`agent`: answers agents' decision requests straight from the connection
    (`httpfront.FrontProtocol`); every other request goes to `app`."""

    def __init__(self, app: ASGIApp, limits: Limits | None = None,
                 agent: AgentAnswerer | None = None):
        self.app = app
        self.limits = limits or Limits()
        self.agent = agent
        self._server: asyncio.AbstractServer | None = None
        # A connection: a stream server's (_Connection), or one still at its front.
        self._connections: set[_Abortable] = set()
        self._pending: dict[_Abortable, float] = {}  # waiting for a head -> since
        self._in_flight = {AGENT: 0, OPERATOR: 0}
        self._busy: set[_Abortable] = set()
        self.closing = False
        self.served = 0

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(_quiet_accept_errors)

        agent = self.agent

        def protocol() -> asyncio.Protocol:
            if agent is not None:
                from approvald.daemon.httpfront import FrontProtocol  # it builds on this module

                return FrontProtocol(self, agent, loop)
            reader = asyncio.StreamReader(limit=self.limits.head_bytes, loop=loop)
            return _StreamProtocol(reader, self._serve, loop=loop)

        if sock.family == getattr(socket, "AF_UNIX", None):
            self._server = await loop.create_unix_server(protocol, sock=sock)
        else:
            self._server = await loop.create_server(protocol, sock=sock)

    async def stop(self, grace_s: float) -> None:
        """Stop accepting, close idle connections, give requests in flight `grace_s`."""
        self.closing = True
        if self._server is not None:
            self._server.close()
        for conn in list(self._connections - self._busy):
            conn.abort()
        deadline = time.monotonic() + grace_s
        while self._busy and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for conn in list(self._connections):
            conn.abort()

    @property
    def connections(self) -> int:
        return len(self._connections)

    # -- one connection -----------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Connection(reader, writer)
        self._connections.add(conn)
        self._shed_pending()
        try:
            first = True
            while not self.closing:
                keep = await self._one_request(conn, first)
                first = False
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        except Exception:
            log.exception("connection handler failed")
        finally:
            self._pending.pop(conn, None)
            self._connections.discard(conn)
            self._busy.discard(conn)
            _close(conn.writer)

    def _shed_pending(self) -> None:
        """Past the cap, close connections that sent no head for `head_grace_s`, oldest first
        (a person's client sends its head at once, so it is never among them)."""
        excess = len(self._pending) - self.limits.pending_heads
        if excess <= 0:
            return
        cutoff = time.monotonic() - self.limits.head_grace_s
        for conn, since in sorted(self._pending.items(), key=lambda item: item[1]):
            if excess <= 0 or since > cutoff:
                break
            self._pending.pop(conn, None)
            conn.abort()
            excess -= 1

    async def _one_request(self, conn: _Connection, first: bool) -> bool:
        """Read one request and answer it; whether the connection may carry another."""
        self._pending[conn] = time.monotonic()
        timeout = self.limits.head_timeout_s if first else self.limits.idle_timeout_s
        try:
            head = await within(conn.reader.readuntil(b"\r\n\r\n"), timeout)
        except (asyncio.IncompleteReadError, ConnectionError):
            return False
        except asyncio.TimeoutError:
            return False  # an idle or slow client: close without a word
        except asyncio.LimitOverrunError:
            await self._refuse(conn, 431, "request head too large")
            return False
        finally:
            self._pending.pop(conn, None)
        try:
            method, target, headers, keep_alive = _parse_head(head)
        except _Refused as exc:
            await self._refuse(conn, exc.status, exc.message)
            return False
        path_part, _, query = target.partition("?")
        side = AGENT if path_part.startswith(AGENT_ROUTES) else OPERATOR
        cap = self.limits.agent_requests if side == AGENT else self.limits.operator_requests
        if self._in_flight[side] >= cap:
            await self._refuse(conn, 503, f"the daemon is busy ({cap} {side} requests in "
                                          "flight); try again")
            return False
        self._in_flight[side] += 1
        self._busy.add(conn)
        try:
            try:
                body = await within(self._read_body(conn, headers), self.limits.body_timeout_s)
            except _Refused as exc:
                await self._refuse(conn, exc.status, exc.message)
                return False
            except asyncio.TimeoutError:
                await self._refuse(conn, 408, "the request body did not arrive in time")
                return False
            scope = {
                "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
                "http_version": "1.1", "method": method, "scheme": "http",
                "path": unquote(path_part), "raw_path": path_part.encode("latin-1"),
                "query_string": query.encode("latin-1"), "root_path": "",
                "headers": headers, "client": None, "server": None,
                "extensions": {PEER_EXTENSION: conn.peer}, "state": {},
            }
            return await self._run_app(conn, scope, body) and keep_alive
        finally:
            self._in_flight[side] -= 1
            self._busy.discard(conn)
            self.served += 1

    async def _read_body(self, conn: _Connection, headers: list[tuple[bytes, bytes]]) -> bytes:
        lengths = [v for k, v in headers if k == b"content-length"]
        chunked = any(k == b"transfer-encoding" and b"chunked" in v.lower() for k, v in headers)
        if chunked and lengths:
            raise _Refused(400, "both Content-Length and chunked encoding")
        cap = self.limits.max_body
        if chunked:
            return await _read_chunked(conn.reader, cap)
        if not lengths:
            return b""
        if len(set(lengths)) != 1 or not lengths[0].strip().isdigit():
            raise _Refused(400, "bad Content-Length")
        size = int(lengths[0])
        if size > cap:
            raise _Refused(413, f"request body too large (over {cap // 1024} KiB)")
        return await conn.reader.readexactly(size) if size else b""

    async def _run_app(self, conn: _Connection, scope: dict[str, Any], body: bytes) -> bool:
        response = _Response(conn, self.limits.write_timeout_s)
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await _until_disconnect(conn)
            return {"type": "http.disconnect"}

        try:
            await self.app(scope, receive, response.send)
        except Exception:
            if not response.started:
                log.exception("internal error on %s %s", scope["method"], scope["path"])
                await response.simple(500, b'{"error": "internal error"}')
            return False
        if not response.started:
            await response.simple(500, b'{"error": "the daemon gave no answer"}')
            return False
        # A connection whose hang-up was being watched may have had bytes read: not reused.
        return response.complete and not response.gone and conn.disconnected is None

    async def _refuse(self, conn: _Connection, status: int, message: str) -> None:
        with contextlib.suppress(Exception):
            await _Response(conn, self.limits.write_timeout_s).write_whole(
                refusal(status, message))


def refusal(status: int, message: str) -> bytes:
    """A refused request's answer, after which the connection closes."""
    import json

    return simple_answer(status, json.dumps({"error": message}).encode(), close=True)


def simple_answer(status: int, body: bytes, close: bool = False) -> bytes:
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    return _head(status, headers) + body


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()


def _quiet_accept_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Out of descriptors, asyncio stops accepting for a second and retries: one log line."""
    message = str(context.get("message", ""))
    if "accept" in message:
        log.warning("%s: %s", message, context.get("exception"))
        return
    loop.default_exception_handler(context)


def _parse_head(head: bytes) -> tuple[str, str, list[tuple[bytes, bytes]], bool]:
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].decode("latin-1").split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _Refused(400, "not an HTTP/1.1 request line")
    method, target, version = parts
    if not method.isalpha() or not target.startswith("/"):
        raise _Refused(400, "bad request line")
    headers: list[tuple[bytes, bytes]] = []
    connection: list[bytes] = []  # gathered on the way (every request is parsed here)
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise _Refused(400, "bad header line")
        name, value = name.lower(), value.strip()
        headers.append((name, value))
        if name == b"connection":
            connection.append(value)
    options = b",".join(connection).lower()
    keep_alive = b"close" not in options and (version == "HTTP/1.1" or b"keep-alive" in options)
    return method, target, headers, keep_alive


async def _read_chunked(reader: asyncio.StreamReader, cap: int) -> bytes:
    body = bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _Refused(400, "bad chunk size") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers, ignored
            return bytes(body)
        if len(body) + size > cap:
            raise _Refused(413, f"request body too large (over {cap // 1024} KiB)")
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise _Refused(400, "bad chunk framing")


async def _until_disconnect(conn: _Connection) -> None:
    """Completes when the client hangs up (anything it sends meanwhile is dropped, and the
    connection closes after this answer)."""
    if conn.disconnected is None:
        conn.disconnected = asyncio.get_running_loop().create_future()

        async def watch() -> None:
            try:
                while await conn.reader.read(65536):
                    pass
            except Exception:
                pass
            if conn.disconnected is not None and not conn.disconnected.done():
                conn.disconnected.set_result(None)

        conn.watcher = asyncio.ensure_future(watch())
    await asyncio.shield(conn.disconnected)


class _Response:
    """Writes one ASGI answer: Content-Length when the app gave one, else chunked."""

    def __init__(self, conn: _Connection, write_timeout_s: float):
        self.conn = conn
        self.write_timeout_s = write_timeout_s
        self.started = False
        self.complete = False
        self.chunked = False
        self.gone = False
        self._head = b""  # a Content-Length answer's head, not yet written

    async def _write(self, data: bytes) -> None:
        """Write, or drop the data when the client is gone (an ASGI app is not told: a client
        that hung up has no answer to receive, and the connection closes after this one)."""
        writer = self.conn.writer
        if self.gone or writer.transport.is_closing():
            self.gone = True
            return
        try:
            writer.write(data)
            if writer.transport.get_write_buffer_size():  # the kernel did not take it all
                await within(writer.drain(), self.write_timeout_s)
        except (ConnectionError, asyncio.TimeoutError):
            self.gone = True
            self.conn.abort()

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            status = int(message["status"])
            headers = list(message.get("headers", ()))
            self.chunked = not any(k.lower() == b"content-length" for k, _ in headers)
            if self.chunked:
                headers.append((b"transfer-encoding", b"chunked"))
                self.started = True
                await self._write(_head(status, headers))
            else:  # held until the body's first part: one write (and one wake-up) for both
                self.started = True
                self._head = _head(status, headers)
        elif kind == "http.response.body":
            data = message.get("body", b"")
            more = message.get("more_body", False)
            head, self._head = self._head, b""
            if self.chunked:
                out = (b"%x\r\n%s\r\n" % (len(data), data)) if data else b""
                await self._write(out + (b"" if more else b"0\r\n\r\n"))
            elif head or data:
                await self._write(head + data)
            if not more:
                self.complete = True

    async def simple(self, status: int, body: bytes) -> None:
        await self.write_whole(simple_answer(status, body))

    async def write_whole(self, answer: bytes) -> None:
        self.started = True
        await self._write(answer)
        self.complete = True


def _status_line(status: int) -> bytes:
    return b"HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, "Status").encode())


_STATUS_LINES = {status: _status_line(status) for status in REASONS}  # every answer has one


def _head(status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
    line = _STATUS_LINES.get(status) or _status_line(status)
    return line + b"".join([b"%s: %s\r\n" % (k, v) for k, v in headers]) + b"\r\n"
