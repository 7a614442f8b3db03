"""The hook's HTTP transport against canned servers: round trips, chunked answers, garbage."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.wire.errors import DaemonUnavailable, ProtocolError
from approvald.wire.transport import parse_response, request


@pytest.fixture
def canned_server(tmp_path: Path) -> Iterator[tuple[str, list[bytes], list[bytes]]]:
    """A Unix socket answering each connection with the next canned bytes, then closing."""
    path = str(tmp_path / "s.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    answers: list[bytes] = []
    requests: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length")), b"0"))
                while len(body) < length:
                    body += conn.recv(65536)
                requests.append(head + b"\r\n\r\n" + body)
                if answers:
                    conn.sendall(answers.pop(0))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield path, answers, requests
    server.close()


def test_request_round_trip(canned_server) -> None:
    path, answers, requests = canned_server
    answers.append(b'HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n{"ok": true}')
    response = request(path, "POST", "/v1/decide", {"a": "é"}, token="tok", timeout=5)
    assert response.status == 200 and response.json() == {"ok": True}
    sent = requests[0]
    assert sent.startswith(b"POST /v1/decide HTTP/1.1\r\n")
    assert b"Authorization: Bearer tok" in sent
    assert sent.endswith(json.dumps({"a": "é"}, ensure_ascii=False).encode())


def test_chunked_and_error_answers(canned_server) -> None:
    path, answers, _ = canned_server
    answers.append(b"HTTP/1.1 409 Conflict\r\ntransfer-encoding: chunked\r\n\r\n"
                   b"a\r\n{\"error\": \r\n6\r\n\"no.\"}\r\n0\r\n\r\n")
    response = request(path, "GET", "/x", timeout=5)
    assert response.status == 409 and response.error_message() == "no."


def test_closed_without_answer_is_daemon_unavailable(canned_server) -> None:
    path, _, _ = canned_server  # no canned answer: the server just closes
    with pytest.raises(DaemonUnavailable):
        request(path, "GET", "/v1/status", timeout=5)


def test_missing_socket_is_daemon_unavailable(tmp_path: Path) -> None:
    with pytest.raises(DaemonUnavailable):
        request(str(tmp_path / "none.sock"), "GET", "/v1/status", timeout=2)
    with pytest.raises(DaemonUnavailable):
        request("tcp://127.0.0.1:0", "GET", "/v1/status", timeout=2)


def test_parse_response_rejects_garbage() -> None:
    with pytest.raises(ProtocolError):
        parse_response(b"SSH-2.0-OpenSSH\r\n\r\n")
    with pytest.raises(DaemonUnavailable):
        parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{}")
