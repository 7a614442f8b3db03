"""The HTTP/1.1 messages of the daemon's server: request heads and bodies read, answers written.

The bytes of the protocol, kept apart from the server that holds connections and limits
(`httpserver`) and its agents' front (`httpfront`), which both read heads and write answers
with these: `parse_head` and `read_chunked` raise `Refused` (a status and a sentence) for what
the server refuses, `Response` writes one ASGI answer (`Content-Length` when the app gave one,
else chunked), and `answer_head`, `simple_answer` and `refusal` build the bytes of an answer.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from approvald.daemon.aio import within

REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
           409: "Conflict", 411: "Length Required", 413: "Content Too Large",
           431: "Request Header Fields Too Large", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Connection(Protocol):
    """What an answer is written to (`httpserver`'s connection)."""

    writer: asyncio.StreamWriter

    def abort(self) -> None: ...


def parse_head(head: bytes) -> tuple[str, str, list[tuple[bytes, bytes]], bool]:
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].decode("latin-1").split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise Refused(400, "not an HTTP/1.1 request line")
    method, target, version = parts
    if not method.isalpha() or not target.startswith("/"):
        raise Refused(400, "bad request line")
    headers: list[tuple[bytes, bytes]] = []
    connection: list[bytes] = []  # gathered on the way (every request is parsed here)
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise Refused(400, "bad header line")
        name, value = name.lower(), value.strip()
        headers.append((name, value))
        if name == b"connection":
            connection.append(value)
    options = b",".join(connection).lower()
    keep_alive = b"close" not in options and (version == "HTTP/1.1" or b"keep-alive" in options)
    return method, target, headers, keep_alive


async def read_chunked(reader: asyncio.StreamReader, cap: int) -> bytes:
    body = bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise Refused(400, "bad chunk size") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers, ignored
            return bytes(body)
        if len(body) + size > cap:
            raise Refused(413, f"request body too large (over {cap // 1024} KiB)")
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise Refused(400, "bad chunk framing")


def refusal(status: int, message: str) -> bytes:
    """A refused request's answer, after which the connection closes."""
    import json

    return simple_answer(status, json.dumps({"error": message}).encode(), close=True)


def simple_answer(status: int, body: bytes, close: bool = False) -> bytes:
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    return answer_head(status, headers) + body


class Response:
    """Writes one ASGI answer: Content-Length when the app gave one, else chunked."""

    def __init__(self, conn: Connection, write_timeout_s: float):
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
                await self._write(answer_head(status, headers))
            else:  # held until the body's first part: one write (and one wake-up) for both
                self.started = True
                self._head = answer_head(status, headers)
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


def answer_head(status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
    line = _STATUS_LINES.get(status) or _status_line(status)
    return line + b"".join([b"%s: %s\r\n" % (k, v) for k, v in headers]) + b"\r\n"
