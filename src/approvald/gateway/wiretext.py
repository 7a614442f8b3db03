"""Messages that are not text, from the agent or from the upstream: each answered, none lost.

The SDK refuses a JSON-RPC line holding a lone surrogate escape (`"\\udcff"`), or bytes that are
not UTF-8 (read with `surrogateescape`, they reach it as lone surrogates), and hands the
transport's reader an exception in the message's place. Its dispatcher only logs that, so the
request it was goes unanswered: the agent's tool call, or the gateway's call upstream, waits
until someone's timeout. `Screened` stands in front of a transport's read stream and turns
each such line back into an answer for its id (`approvald.wire.jsontext` says what is wrong):

- from the agent (`from_agent`): a tools/call is answered with a tool error naming the reason
  (how a refused call reads, CONTRACT.md), any other request with a JSON-RPC error, and a
  response (to a request the gateway sent the agent) becomes an error response for its id;
- from the upstream (`from_upstream`): a response becomes an error response for its id (the
  call the gateway forwarded fails with the reason); a request is answered with an error.

A notification has no one to answer: it is logged and dropped. Every other message, and a line
that is no JSON-RPC at all, passes as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import mcp_types as types
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from approvald.gateway.results import error_result
from approvald.wire import jsontext

log = logging.getLogger("approvald.gateway")

# (why the line is not text, the message as far as it can be read) -> what the reader gets
# instead, or None for nothing
OnBadLine = Callable[[str, dict[str, Any]], Awaitable[SessionMessage | None]]


def bad_text(item: object) -> tuple[str, dict[str, Any]] | None:
    """(why, message) when `item`, what a transport read instead of a message, is a JSON-RPC
    message whose text is no text; None for anything else."""
    if not isinstance(item, ValidationError):
        return None
    errors = item.errors(include_url=False)
    line = errors[0].get("input") if errors else None
    if isinstance(line, bytes):
        line = line.decode("utf-8", "surrogateescape")
    if not isinstance(line, str):
        return None
    if any("\udc80" <= ch <= "\udcff" for ch in line):  # bytes read with surrogateescape
        why = "is not UTF-8 text (it holds bytes that are not UTF-8)"
    else:
        try:
            jsontext.loads(line)
        except jsontext.JsonTextError as exc:
            why = str(exc)
        else:
            return None
    try:
        message = json.loads(line)  # lenient: it reads what the strict check refused
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        return None
    return why, message


def _request_id(message: dict[str, Any]) -> types.RequestId | None:
    """The message's id, when it is one that can be answered (an id that is itself no text
    cannot be written back)."""
    found = message.get("id")
    if isinstance(found, bool) or not isinstance(found, (int, str)):
        return None
    return found if isinstance(found, int) or jsontext.is_text(found) else None


def _error(request_id: types.RequestId, code: int, text: str) -> SessionMessage:
    return SessionMessage(types.JSONRPCError(
        jsonrpc="2.0", id=request_id, error=types.ErrorData(code=code, message=text)))


def from_agent(write: Any) -> OnBadLine:
    """What a bad line from the agent becomes; answers go out on `write` (the server's)."""

    async def answer(why: str, message: dict[str, Any]) -> SessionMessage | None:
        request_id = _request_id(message)
        method = message.get("method")
        text = f"approvald: the agent's message {why}, so it is refused"
        log.warning("refused a message from the agent (%s): it %s", method or "a response", why)
        if request_id is None:
            return None
        if method is None:  # a response to the gateway's own request: it failed
            return _error(request_id, types.INVALID_REQUEST, text)
        if method == "tools/call":
            reply: SessionMessage = SessionMessage(types.JSONRPCResponse(
                jsonrpc="2.0", id=request_id, result=error_result(text)))
        else:
            reply = _error(request_id, types.INVALID_REQUEST, text)
        await write.send(reply)
        return None

    return answer


def from_upstream(write: Any) -> OnBadLine:
    """What a bad line from the upstream becomes; answers go out on `write` (the client's, to
    the upstream)."""

    async def answer(why: str, message: dict[str, Any]) -> SessionMessage | None:
        request_id = _request_id(message)
        method = message.get("method")
        text = f"approvald: the upstream MCP server's answer {why}"
        log.warning("refused a message from the upstream (%s): it %s", method or "a response",
                    why)
        if request_id is None:
            return None
        if method is None:
            return _error(request_id, types.INTERNAL_ERROR, text)
        await write.send(_error(request_id, types.INVALID_REQUEST,
                                f"approvald: the request {why}, so it is refused"))
        return None

    return answer


class Screened:
    """A transport's read stream with each message that is no text turned into its answer
    (`on_bad`); everything else read as it came."""

    def __init__(self, inner: Any, on_bad: OnBadLine):
        self.inner = inner
        self.on_bad = on_bad

    @property
    def last_context(self) -> Any:  # the SDK's duck-typed per-message context
        return getattr(self.inner, "last_context", None)

    async def receive(self) -> Any:
        while True:
            item = await self.inner.receive()
            found = bad_text(item) if isinstance(item, Exception) else None
            if found is None:
                return item
            replacement = await self.on_bad(*found)
            if replacement is not None:
                return replacement

    def __aiter__(self) -> Screened:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        await self.inner.aclose()

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()

    async def __aenter__(self) -> Screened:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> bool | None:
        result: bool | None = await self.inner.__aexit__(*exc)
        return result
