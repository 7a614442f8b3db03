"""The connection to the upstream MCP server: a child process on stdio, or streamable HTTP.

The gateway is the upstream's client (the SDK's `ClientSession`, handshake era: every SDK-2
server is dual-era and older ones speak only that; a server that refuses the handshake is
reached by discovery instead). It declares no roots (server-filesystem would replace its
allowed directories with them), no elicitation, and sampling only when the settings say so.

Requests go out raw (`request`): the SDK's typed calls validate every result strictly (one tool
with an odd schema fails a whole `tools/list`), `call_tool` re-lists tools on a cache miss, and
the raw dict is what redaction and pinning want anyway. The gateway checks and repairs what it
forwards itself.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

import mcp_types as types
from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client
from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher

from approvald import __version__
from approvald.gateway.wiretext import Screened, from_upstream

log = logging.getLogger("approvald.gateway")

CONNECT_TIMEOUT_S = 30.0
HTTP_READ_TIMEOUT_S = 300.0
ProgressFn = Callable[[float, "float | None", "str | None"], Awaitable[None]]


@dataclass(frozen=True)
class UpstreamSpec:
    """What to run (`command`) or reach (`url`, with `headers`); `env` adds to the gateway's
    environment for a command."""

    command: tuple[str, ...] = ()
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """What the pins and the audit log say the upstream is (no header values)."""
        return self.url or " ".join(self.command)


class Upstream:
    """One live connection; `request` sends a raw JSON-RPC request and returns the raw result."""

    def __init__(self, session: ClientSession, dispatcher: JSONRPCDispatcher):
        self.session = session
        self.dispatcher = dispatcher

    @property
    def capabilities(self) -> types.ServerCapabilities:
        return self.session.server_capabilities or types.ServerCapabilities()

    @property
    def server_info(self) -> types.Implementation | None:
        return self.session.server_info

    @property
    def instructions(self) -> str | None:
        return self.session.instructions

    async def request(self, method: str, params: dict[str, Any] | None = None, *,
                      timeout: float | None = None,
                      on_progress: ProgressFn | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"method": method}
        if params is not None:
            data["params"] = params
        opts: dict[str, Any] = {}
        # The session's stamp adds what the negotiated era needs (the protocol version header
        # over HTTP; the per-request envelope for a 2026 server). One private call, kept here.
        self.session._stamp(data, opts)  # type: ignore[arg-type]
        if timeout is not None:
            opts["timeout"] = timeout
        if on_progress is not None:
            opts["on_progress"] = on_progress
        return await self.dispatcher.send_raw_request(method, data.get("params"), opts)  # type: ignore[arg-type]


@asynccontextmanager
async def connect(spec: UpstreamSpec, *, errlog: TextIO,
                  message_handler: Any,
                  sampling_callback: Any = None) -> AsyncIterator[Upstream]:
    """Start (or reach) the upstream and complete the handshake; it stops when the block ends
    (stdin closed, then SIGTERM and SIGKILL to its process group, as the SDK does)."""
    async with AsyncExitStack() as stack:
        if spec.url:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            http = await stack.enter_async_context(httpx2.AsyncClient(
                headers=spec.headers,
                timeout=httpx2.Timeout(CONNECT_TIMEOUT_S, read=HTTP_READ_TIMEOUT_S)))
            read, write = await stack.enter_async_context(
                streamable_http_client(spec.url, http_client=http))
        else:
            # Bytes that are not UTF-8 reach the SDK as lone surrogates, which it refuses
            # message by message (`wiretext` answers each); strict decoding would end the
            # whole connection at the first one.
            params = StdioServerParameters.model_construct(
                command=spec.command[0], args=list(spec.command[1:]),
                env={**os.environ, **spec.env}, cwd=os.getcwd(), encoding="utf-8",
                encoding_error_handler="surrogateescape")
            read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
        dispatcher = JSONRPCDispatcher(Screened(read, from_upstream(write)), write)
        session = await stack.enter_async_context(ClientSession(
            dispatcher=dispatcher, message_handler=message_handler,
            sampling_callback=sampling_callback,
            client_info=types.Implementation(name="approvald-gateway", version=__version__)))
        try:
            await _handshake(session)
        except MCPError as exc:
            raise UpstreamError(f"the upstream refused the MCP handshake: {exc}") from exc
        yield Upstream(session, dispatcher)


async def _handshake(session: ClientSession) -> None:
    import anyio

    with anyio.fail_after(CONNECT_TIMEOUT_S):
        try:
            await session.initialize()
        except MCPError as exc:
            if exc.code != types.UNSUPPORTED_PROTOCOL_VERSION:
                raise
            log.info("the upstream speaks only the 2026 era; discovering it instead")
            await session.discover()


class UpstreamError(Exception):
    """The upstream cannot be used (one sentence)."""
