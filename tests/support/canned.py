"""A canned "daemon" on a Unix socket: it records each request a hook sends and answers with
what the test gives (proven with the client token, or not), so a real hook process can be
driven through answers a real daemon would never send."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

from tests.support.proofs import proven_answer

TOKEN = "a-client-token"


class CannedDaemon:
    """Answers every connection with `answer(request)` (None: close without a word) in the
    APPROVALD_HOME `home` (its state/client.token is written), or with the token in the
    directory `state` and the socket at `socket`."""

    def __init__(self, home: Path | None, answer: Callable[[bytes], bytes | None], *,
                 state: Path | None = None, socket_path: Path | None = None):
        state = state or (home / "state" if home is not None else None)
        sock = socket_path or (home / "run" / "approvald.sock" if home is not None else None)
        assert state is not None and sock is not None
        state.mkdir(parents=True, exist_ok=True)
        (state / "client.token").write_text(TOKEN + "\n")
        sock.parent.mkdir(parents=True, exist_ok=True)
        self.path = str(sock)
        self.answer = answer
        self.requests: list[bytes] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(8)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                self.requests.append(head + b"\r\n\r\n" + body)
                reply = self.answer(head + b"\r\n\r\n" + body)
                if reply is not None:
                    conn.sendall(reply)

    def close(self) -> None:
        self.server.close()


def proven(body: bytes, status: int = 200, exit_code: str = "0") -> Callable[[bytes], bytes]:
    """An answer proven for whichever request comes."""
    headers = f"X-Approvald-Exit: {exit_code}\r\n" if exit_code else ""
    return lambda request: proven_answer(TOKEN, request, body, status, headers)


def unproven(body: bytes, status: int = 200) -> Callable[[bytes], bytes]:
    return lambda request: proven_answer(None, request, body, status)
