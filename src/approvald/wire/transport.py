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


def _recv_all(sock: _socket.socket, endpoint: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            data = sock.recv(262144)
        except TimeoutError as exc:
            raise DaemonTimeout(f"daemon at {endpoint} did not answer in time") from exc
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
        size = int(body[pos:end].split(b";", 1)[0], 16)
        if size == 0:
            return b"".join(out)
        start = end + 2
        if start + size > len(body):
            raise ProtocolError("truncated chunked body")
        out.append(body[start:start + size])
        pos = start + size + 2


def parse_response(raw: bytes, endpoint: str = "the daemon") -> Response:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        # Nothing or half a header: the daemon died or closed on us.
        raise DaemonUnavailable(f"{endpoint} closed the connection without an answer")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ProtocolError(f"not an HTTP answer: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        if len(body) < length:
            raise DaemonUnavailable(f"{endpoint} closed the connection mid-answer")
        body = body[:length]
    return Response(int(parts[1]), headers, body)


def request(endpoint: str, method: str, path: str, body: object = None, *,
            raw: bytes | None = None, token: str | None = None,
            client_token: str | None = None, timeout: float | None = 10.0) -> Response:
    """One HTTP request on its own connection: `body` is sent as JSON, or `raw` (bytes that
    already are JSON) as they are.

    Over TCP both ends prove they know the client token (`client_token`, else (None) the one
    the daemon wrote in the environment's home; approvald.wire.endpoint) and it never crosses
    the wire: the request carries `X-Approvald-Client: NONCE.PROOF`, and an answer without the
    matching `X-Approvald-Server` raises UnprovenDaemon, a DaemonUnavailable: whoever answered
    is not this home's daemon, so the hook decides locally. No token: DaemonUnavailable too.
    A Unix socket needs none of this (its file permissions guard it)."""
    tcp = endpoint.startswith(TCP_PREFIX)
    nonce = proof_header = ""
    if tcp:
        _address(endpoint)  # a port not written yet is no daemon, whatever the token says
        if client_token is None:
            from approvald.wire.endpoint import read_client_token

            client_token = read_client_token()
        if not client_token:
            raise DaemonUnavailable(f"no client token for the daemon at {endpoint}")
        import secrets

        from approvald.wire.protocol import CLIENT_HEADER, client_proof

        nonce = secrets.token_hex(16)
        proof = client_proof(client_token, nonce, method, path)
        proof_header = f"{CLIENT_HEADER}: {nonce}.{proof}"
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
    if tcp:
        head.append(proof_header)
    message = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload
    sock = connect(endpoint, timeout)
    try:
        try:
            sock.sendall(message)
        except TimeoutError as exc:
            raise DaemonTimeout(f"daemon at {endpoint} did not read the request in time") from exc
        except OSError as exc:
            raise DaemonUnavailable(f"connection to the daemon broke ({exc})") from exc
        raw = _recv_all(sock, endpoint)
    finally:
        sock.close()
    response = parse_response(raw, endpoint)
    if tcp:
        check_server_proof(response, client_token or "", nonce, endpoint)
    return response


def check_server_proof(response: Response, client_token: str, nonce: str,
                       endpoint: str = "the daemon") -> None:
    """UnprovenDaemon unless `response` carries `X-Approvald-Server` for this nonce."""
    import hmac

    from approvald.wire.protocol import SERVER_HEADER, server_proof

    supplied = response.headers.get(SERVER_HEADER.lower(), "")
    expected = server_proof(client_token, nonce)
    if not hmac.compare_digest(supplied.encode("latin-1"), expected.encode("latin-1")):
        raise UnprovenDaemon(f"what answered at {endpoint} did not prove it is this home's "
                             "daemon (no valid X-Approvald-Server)")
