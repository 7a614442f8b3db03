"""A minimal HTTP/1.1 client over a Unix socket or loopback TCP, for the hook and the CLI.

Why not `http.client`: it imports `ssl` and the `email` package, about 30 ms on every agent tool
call, more than a whole Python start. The daemon's API needs one request per connection with a
JSON body, so this speaks exactly that: `Connection: close`, a Content-Length or chunked answer.

Standard library only, and only `_socket` (json when a body is JSON): this module is on the
hook's hot path.
`_socket` is the C module under `socket`; `socket.py` itself (with `selectors` and its enum
wrappers) adds ~4 ms to every start and offers nothing a one-shot blocking client needs.
"""

from __future__ import annotations

import _socket

from approvald.settings import TCP_PREFIX
from approvald.wire.errors import DaemonTimeout, DaemonUnavailable, ProtocolError, UnprovenDaemon

MAX_RESPONSE = 64 * 1024 * 1024


class Response:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> object:
        import json

        return json.loads(self.body) if self.body else None

    def error_message(self) -> str:
        """The API's `{"error": ...}` sentence, or the status when the body has none."""
        try:
            doc = self.json()
        except ValueError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("error"), str):
            return str(doc["error"])
        return f"daemon answered HTTP {self.status}"


def _address(endpoint: str) -> tuple[int, tuple[str, int] | str]:
    """(address family, address) of `endpoint`; DaemonUnavailable when it names no daemon."""
    if endpoint.startswith(TCP_PREFIX):
        host, _, port = endpoint[len(TCP_PREFIX):].rpartition(":")
        if not port.isdigit() or int(port) == 0:
            raise DaemonUnavailable(f"no daemon endpoint has been written ({endpoint})")
        return _socket.AF_INET, (host or "127.0.0.1", int(port))
    return _socket.AF_UNIX, endpoint


def connect(endpoint: str, timeout: float | None) -> _socket.socket:
    """A connected socket to `endpoint` (a Unix socket path or `tcp://HOST:PORT`)."""
    family, address = _address(endpoint)
    sock = _socket.socket(family, _socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except TimeoutError as exc:
        sock.close()
        raise DaemonTimeout(f"daemon at {endpoint} did not accept in time") from exc
    except OSError as exc:
        sock.close()
        raise DaemonUnavailable(f"no daemon at {endpoint} ({exc.strerror or exc})") from exc
    return sock


class _Clock:
    """One deadline for a whole exchange: every wait gets what is left of it, so an answer
    trickled a byte at a time ends when the deadline does, not one timeout per byte."""

    __slots__ = ("deadline", "endpoint")

    def __init__(self, endpoint: str, timeout: float | None, deadline: float | None):
        from time import monotonic

        if timeout is not None:
            until = monotonic() + timeout
            deadline = until if deadline is None else min(deadline, until)
        self.deadline = deadline
        self.endpoint = endpoint

    def left(self, what: str) -> float | None:
        if self.deadline is None:
            return None
        from time import monotonic

        remaining = self.deadline - monotonic()
        if remaining <= 0:
            raise DaemonTimeout(f"daemon at {self.endpoint} did not {what} in time")
        return remaining


def _recv_all(sock: _socket.socket, clock: _Clock) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        sock.settimeout(clock.left("answer"))
        try:
            data = sock.recv(262144)
        except TimeoutError as exc:
            raise DaemonTimeout(f"daemon at {clock.endpoint} did not answer in time") from exc
        except OSError as exc:
            raise DaemonUnavailable(f"connection to the daemon broke ({exc})") from exc
        if not data:
            return b"".join(chunks)
        chunks.append(data)
        size += len(data)
        if size > MAX_RESPONSE:
            raise ProtocolError("daemon answer too large")


def _dechunk(body: bytes) -> bytes:
    out: list[bytes] = []
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            raise ProtocolError("truncated chunked body")
        size_text = body[pos:end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ProtocolError("bad chunk size in the answer") from None
        if size == 0:
            return b"".join(out)
        start = end + 2
        if start + size + 2 > len(body):
            raise ProtocolError("truncated chunked body")
        out.append(body[start:start + size])
        pos = start + size + 2


def parse_response(raw: bytes, endpoint: str = "the daemon") -> Response:
    """The answer, strictly: a status line, headers, and a body whose length was declared
    (Content-Length or chunked). Anything else is a ProtocolError: an answer that cannot be
    proven whole is no answer."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        # Nothing or half a header: the daemon died or closed on us.
        raise DaemonUnavailable(f"{endpoint} closed the connection without an answer")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if (len(parts) < 2 or not parts[0].startswith("HTTP/1.") or len(parts[1]) != 3
            or not parts[1].isdigit()):
        raise ProtocolError(f"not an HTTP answer: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise ProtocolError("a header line without a colon in the answer")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    elif "content-length" in headers:
        length_text = headers["content-length"]
        if not length_text.isdigit():
            raise ProtocolError("bad Content-Length in the answer")
        length = int(length_text)
        if len(body) < length:
            raise DaemonUnavailable(f"{endpoint} closed the connection mid-answer")
        body = body[:length]
    else:
        raise ProtocolError("the answer declares no length")
    return Response(int(parts[1]), headers, body)


def request(endpoint: str, method: str, path: str, body: object = None, *,
            raw: bytes | None = None, token: str | None = None,
            client_token: str | None = None, timeout: float | None = 10.0,
            deadline: float | None = None, require_proof: bool | None = None) -> Response:
    """One HTTP request on its own connection: `body` is sent as JSON, or `raw` (bytes that
    already are JSON) as they are. `timeout` bounds the whole exchange, and so does
    `deadline` (a `time.monotonic()` instant) when given.

    With a client token (`client_token`, else (None) the one the daemon wrote in the
    environment's home) both ends prove they know it and it never crosses the wire: the
    request carries `X-Approvald-Client: NONCE.PROOF` (binding its method, target and body),
    and an answer without the matching `X-Approvald-Server` (binding its status, exit code and
    body) raises UnprovenDaemon, a DaemonUnavailable: whoever answered is not this home's
    daemon. Proof is required over TCP, and wherever `require_proof` says so (the hook);
    without a token it then raises UnprovenDaemon too."""
    tcp = endpoint.startswith(TCP_PREFIX)
    if tcp:
        _address(endpoint)  # a port not written yet is no daemon, whatever the token says
    if client_token is None:
        from approvald.wire.endpoint import read_client_token

        client_token = read_client_token()
    if (tcp if require_proof is None else require_proof) and not client_token:
        raise UnprovenDaemon(f"no client token for the daemon at {endpoint}, so nothing it "
                             "answers can be proven")
    if raw is not None:
        payload = raw
    elif body is not None:
        import json

        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    else:
        payload = b""
    head = [f"{method} {path} HTTP/1.1", "Host: approvald", "Connection: close",
            "Accept: application/json", f"Content-Length: {len(payload)}"]
    if raw is not None or body is not None:
        head.append("Content-Type: application/json")
    if token:
        head.append(f"Authorization: Bearer {token}")
    nonce = ""
    if client_token:
        from approvald.wire.protocol import CLIENT_HEADER, body_digest, client_proof, new_nonce

        nonce = new_nonce()
        proof = client_proof(client_token, nonce, method, path, body_digest(payload))
        head.append(f"{CLIENT_HEADER}: {nonce}.{proof}")
    message = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload
    clock = _Clock(endpoint, timeout, deadline)
    sock = connect(endpoint, clock.left("accept"))
    try:
        try:
            sock.settimeout(clock.left("read the request"))
            sock.sendall(message)
        except TimeoutError as exc:
            raise DaemonTimeout(f"daemon at {endpoint} did not read the request in time") from exc
        except OSError as exc:
            raise DaemonUnavailable(f"connection to the daemon broke ({exc})") from exc
        answer = _recv_all(sock, clock)
    finally:
        sock.close()
    response = parse_response(answer, endpoint)
    if client_token:
        check_server_proof(response, client_token, nonce, endpoint)
    return response


def check_server_proof(response: Response, client_token: str, nonce: str,
                       endpoint: str = "the daemon", stream: bool = False) -> None:
    """UnprovenDaemon unless `response` carries `X-Approvald-Server` for this nonce, its
    status, its exit code and its body (`stream`: an event stream, whose body is not bound)."""
    from approvald.wire.protocol import (
        EXIT_HEADER,
        SERVER_HEADER,
        STREAM_DIGEST,
        body_digest,
        same,
        server_proof,
    )

    supplied = response.headers.get(SERVER_HEADER.lower(), "")
    digest = STREAM_DIGEST if stream else body_digest(response.body)
    expected = server_proof(client_token, nonce, response.status,
                            response.headers.get(EXIT_HEADER.lower(), ""), digest)
    if not same(supplied, expected):
        raise UnprovenDaemon(f"what answered at {endpoint} did not prove it is this home's "
                             "daemon (no valid X-Approvald-Server)")
