"""A minimal ASGI app for the daemon's HTTP server tests."""

from __future__ import annotations

from typing import Any


async def body_length_app(scope: Any, receive: Any, send: Any) -> None:
    """Answers the length of the body it received (read whole, however it came)."""
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
