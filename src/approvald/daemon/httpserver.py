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

The bytes of the messages (a head parsed, a chunked body read, an answer written) are
`httpwire`'s; this module holds the connections, their limits and the app's turn.
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
from approvald.daemon.httpwire import Refused, Response, parse_head, read_chunked, refusal

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
            method, target, headers, keep_alive = parse_head(head)
        except Refused as exc:
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
            except Refused as exc:
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
            raise Refused(400, "both Content-Length and chunked encoding")
        cap = self.limits.max_body
        if chunked:
            return await read_chunked(conn.reader, cap)
        if not lengths:
            return b""
        if len(set(lengths)) != 1 or not lengths[0].strip().isdigit():
            raise Refused(400, "bad Content-Length")
        size = int(lengths[0])
        if size > cap:
            raise Refused(413, f"request body too large (over {cap // 1024} KiB)")
        return await conn.reader.readexactly(size) if size else b""

    async def _run_app(self, conn: _Connection, scope: dict[str, Any], body: bytes) -> bool:
        response = Response(conn, self.limits.write_timeout_s)
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
            await Response(conn, self.limits.write_timeout_s).write_whole(
                refusal(status, message))


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

