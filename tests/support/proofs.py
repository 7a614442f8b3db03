"""The daemon's request and answer proofs (docs/API.md, "Transports"), written out here with
`hmac` rather than taken from approvald, so a change on either side shows; and a canned
"daemon" answer that proves itself, for hooks tested against a fake server."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time

STREAM = "stream"


def _hex_hmac(token: str, message: str) -> str:
    return hmac.new(token.encode(), message.encode("latin-1"), "sha256").hexdigest()


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def nonce(at_ms: int | None = None) -> str:
    """12 hex digits of milliseconds, then 20 random ones."""
    stamp = int(time.time() * 1000) if at_ms is None else at_ms
    return f"{stamp:012x}{os.urandom(10).hex()}"


def signed(token: str, method: str, target: str, body: bytes = b"",
           with_nonce: str | None = None) -> dict[str, str]:
    """`X-Approvald-Client` for one request."""
    used = with_nonce or nonce()
    proof = _hex_hmac(token, f"client:{used}:{method} {target}:{digest(body)}")
    return {"X-Approvald-Client": f"{used}.{proof}"}


def server_proof(token: str, client_header: str, status: int, body: bytes | None,
                 exit_code: str = "") -> str:
    """The `X-Approvald-Server` owed to a request that carried `client_header` (body None: an
    event stream, whose body is not bound)."""
    used = client_header.partition(".")[0]
    bound = STREAM if body is None else digest(body)
    return _hex_hmac(token, f"server:{used}:{status}:{exit_code}:{bound}")


def proven_answer(token: str | None, request: bytes, body: bytes, status: int = 200,
                  headers: str = "") -> bytes:
    """A whole HTTP answer to `request` (the bytes a client sent), proven with `token` when it
    is given and the request carried a client header."""
    found = re.search(rb"(?i)x-approvald-client:\s*([0-9a-f]+\.[0-9a-f]+)", request)
    exit_found = re.search(r"(?i)x-approvald-exit:\s*(\d+)", headers)
    extra = headers
    if token is not None and found:
        proof = server_proof(token, found.group(1).decode(), status, body,
                             exit_found.group(1) if exit_found else "")
        extra += f"X-Approvald-Server: {proof}\r\n"
    return (f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
