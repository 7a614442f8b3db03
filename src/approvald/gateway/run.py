"""Running a gateway process: leases for the upstream, logging, signals, start-up failures.

Nothing may reach stdout but the protocol: the gateway logs to its own file under approvald's
log directory (`log/mcp/NAME.log`, where the upstream's stderr goes too: the agent cannot read
approvald's directories, and an upstream's stderr may carry what the agent must not see), and a
start-up failure is one line on stderr and exit 1, before the agent's handshake is answered.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import stat
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO

import anyio

from approvald.gateway.link import DaemonLink
from approvald.gateway.upstream import UpstreamSpec
from approvald.paths import Paths, ensure_private_dir
from approvald.redaction import remember_secret
from approvald.settings import SESSION_ID_ENV
from approvald.wire.errors import DaemonError, DaemonUnavailable

log = logging.getLogger("approvald.gateway")

LEASE_REF = re.compile(r"\{lease:([A-Za-z0-9_]+)\}")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


class StartError(Exception):
    """The gateway cannot start (one sentence for the person reading the agent's MCP log)."""


def session_id() -> str:
    return os.environ.get(SESSION_ID_ENV, "").strip()


def log_file(paths: Paths, server: str) -> Path:
    directory = ensure_private_dir(paths.log / "mcp")
    return directory / f"{_SAFE_NAME.sub('_', server)[:100] or 'server'}.log"


def setup_logging(path: Path) -> TextIO:
    """The gateway's log, and the same file for the upstream's stderr (append, 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    stream = os.fdopen(fd, "a", buffering=1, encoding="utf-8", errors="replace")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(
        f"%(asctime)s gateway[{os.getpid()}] %(levelname)s %(message)s"))
    root = logging.getLogger("approvald")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return stream


async def resolve_leases(link: DaemonLink, spec: UpstreamSpec) -> UpstreamSpec:
    """`{lease:ID}` in header and env values becomes the leased value, through the daemon (which
    checks the lease's expiry, session and program bindings). The values are remembered by this
    process's redactor: no result, log line or report of this gateway can carry them."""
    texts = [*spec.headers.values(), *spec.env.values()]
    ids = list(dict.fromkeys(m.group(1) for text in texts for m in LEASE_REF.finditer(text)))
    if not ids:
        return spec
    body = {"leases": [{"lease_id": lease_id} for lease_id in ids],
            "session_id": session_id() or None,
            "command": [spec.url] if spec.url else list(spec.command)}
    try:
        answer = await link.client().resolve_leases(body)
    except DaemonUnavailable as exc:
        raise StartError(f"leases resolve only through a running daemon ({exc}); start "
                         "`approvald daemon`") from exc
    except DaemonError as exc:
        raise StartError(f"a lease did not resolve: {exc}") from exc
    values: dict[str, str] = {}
    for item in answer.get("leases", []):
        if isinstance(item, dict) and isinstance(item.get("value"), str) and item["value"]:
            values[str(item.get("lease_id"))] = item["value"]
            remember_secret(str(item.get("name") or "LEASE"), item["value"])
    missing = [lease_id for lease_id in ids if lease_id not in values]
    if missing:
        raise StartError(f"the daemon gave no value for lease {missing[0]}")

    def fill(text: str) -> str:
        return LEASE_REF.sub(lambda m: values[m.group(1)], text)
    return UpstreamSpec(command=spec.command, url=spec.url,
                        headers={k: fill(v) for k, v in spec.headers.items()},
                        env={k: fill(v) for k, v in spec.env.items()})


async def stop_on_signals(cancel: Callable[[], None]) -> None:
    """SIGTERM/SIGINT end the gateway cleanly, so the upstream is stopped with it (it runs in
    its own process group: the agent's signals do not reach it)."""
    if sys.platform == "win32":
        return
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as received:
        async for signum in received:
            log.info("signal %d: stopping", signum)
            cancel()
            return


def first_error(exc: BaseException) -> BaseException:
    """The first real exception inside (nested) exception groups."""
    inner = getattr(exc, "exceptions", None)  # BaseExceptionGroup (a backport on 3.10)
    while isinstance(inner, tuple) and inner:
        exc = inner[0]
        inner = getattr(exc, "exceptions", None)
    return exc


def run(main: Callable[[], Awaitable[Any]], prog: str) -> int:
    """Run the gateway; a failure before serving is one line on stderr and exit 1."""
    try:
        anyio.run(main)
    except KeyboardInterrupt:
        return 130
    except BaseException as exc:
        error = first_error(exc)
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            return 130 if isinstance(error, KeyboardInterrupt) else int(error.code or 0)
        log.exception("gateway failed")
        print(f"{prog}: {describe(error)}", file=sys.stderr)
        return 1
    return 0


def describe(error: BaseException) -> str:
    if isinstance(error, StartError):
        return str(error)
    if isinstance(error, FileNotFoundError):
        return f"cannot start the upstream: {error.strerror}: {error.filename}"
    if isinstance(error, TimeoutError):
        return "the upstream did not complete the MCP handshake in time"
    text = str(error) or type(error).__name__
    from approvald.redaction import redact_text

    return f"the gateway stopped: {redact_text(text)[:500]}"


# A message on stdio is one line; the agent may send (and the gateway answer) megabytes.
_LINE_LIMIT = 256 * 1024 * 1024


class _PipeLines:
    """The agent's stdin pipe as the SDK's stdio server reads it: an async iterator of lines."""

    def __init__(self, reader: asyncio.StreamReader):
        self.reader = reader

    def __aiter__(self) -> _PipeLines:
        return self

    async def __anext__(self) -> str:
        line = await self.reader.readline()
        if not line:
            raise StopAsyncIteration
        # Bytes that are not UTF-8 stay visible (as lone surrogates) for the SDK to refuse and
        # `wiretext` to answer, rather than turning into U+FFFD in a call that then goes ahead.
        return line.decode("utf-8", "surrogateescape")


class _PipeWriter:
    def __init__(self, writer: asyncio.StreamWriter):
        self.writer = writer

    async def write(self, text: str) -> None:
        self.writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self.writer.drain()


def _is_pipe(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


@asynccontextmanager
async def stdio_streams() -> AsyncIterator[tuple[Any, Any]]:
    """The SDK's stdio server over the agent's pipes, read and written by the event loop.

    The SDK reads and writes stdio through worker threads, three thread hops a message
    (measured: a large part of the gateway's cost per call). On POSIX pipes the event loop does
    it directly; the wire is kept safe the same way: fd 0 then reads the null device and fd 1
    writes to stderr, so nothing stray reaches the protocol. Elsewhere the SDK's own is used.
    """
    from mcp.server.stdio import stdio_server

    from approvald.gateway.wiretext import Screened, from_agent

    if sys.platform == "win32" or not (_is_pipe(0) and _is_pipe(1)):
        async with stdio_server() as (read, write):
            yield Screened(read, from_agent(write)), write
        return
    loop = asyncio.get_running_loop()
    wire_in, wire_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    reader = asyncio.StreamReader(limit=_LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                 os.fdopen(wire_in, "rb", buffering=0))
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", buffering=0))
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    try:
        async with stdio_server(stdin=_PipeLines(reader),  # type: ignore[arg-type]
                                stdout=_PipeWriter(writer)) as (read, write):  # type: ignore[arg-type]
            yield Screened(read, from_agent(write)), write
    finally:
        transport.close()
