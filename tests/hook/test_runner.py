"""The hook runner without a daemon: bad input, oversized input, an answer not understood, an
internal error: every one a deny in the agent's format."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.agents import get_agent
from approvald.agents.base import HookReply, deny
from approvald.hook import runner
from approvald.wire import transport
from tests.support.proofs import proven_answer

CLAUDE_CODE = get_agent("claude-code")


def _output(reply: HookReply) -> dict[str, object] | None:
    return json.loads(reply.stdout)["hookSpecificOutput"] if reply.stdout else None


@pytest.mark.parametrize(("raw", "words"), [
    (b"", "not JSON"),
    (b"{not json", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (b'"text"', "JSON object"),
])
def test_unusable_input_is_denied_before_dialing(raw: bytes, words: str) -> None:
    out = _output(runner.decide(CLAUDE_CODE, raw, endpoint="/nonexistent/socket"))
    assert out is not None and out["permissionDecision"] == "deny"
    assert words in str(out["permissionDecisionReason"])


def test_oversized_input_is_denied() -> None:
    reply = runner.decide(CLAUDE_CODE, b" " * (runner.MAX_PAYLOAD + 1), endpoint="/nonexistent")
    out = _output(reply)
    assert out is not None and out["permissionDecision"] == "deny"
    assert "too large" in str(out["permissionDecisionReason"])


def test_an_internal_error_is_a_deny(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(transport, "request", explode)  # what the runner sends with
    out = _output(runner.decide(CLAUDE_CODE, b'{"tool_name": "Bash"}', endpoint="/x"))
    assert out is not None and out["permissionDecision"] == "deny"
    assert "boom" in str(out["permissionDecisionReason"])


TOKEN = "client-token-for-the-runner-tests"


@pytest.fixture
def one_answer(tmp_path: Path, approvald_home: Path) -> Iterator[tuple[str, list[bytes]]]:
    """A Unix socket that answers one request with the body put in the list (and the headers
    in the second item, if any), proven as the daemon proves its answers."""
    (approvald_home / "state").mkdir(parents=True, exist_ok=True)
    (approvald_home / "state" / "client.token").write_text(TOKEN + "\n")
    path = str(tmp_path / "d.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    answer: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            headers = answer[1].decode() if len(answer) > 1 else ""
            conn.sendall(proven_answer(TOKEN, data, answer[0], headers=headers))

    threading.Thread(target=serve, daemon=True).start()
    yield path, answer
    server.close()


@pytest.mark.parametrize("body", [b"ok", b"[]", b'{"decision": "ALLOW"}', b"\xff"])
def test_only_a_rendered_answer_is_printed(one_answer, body: bytes) -> None:
    path, answer = one_answer
    answer.append(body)
    out = _output(runner.decide(CLAUDE_CODE, b'{"tool_name": "Bash"}', endpoint=path))
    assert out is not None and out["permissionDecision"] == "deny"
    assert "not understood" in str(out["permissionDecisionReason"])


def test_a_rendered_deny_is_printed_with_its_exit_code(one_answer) -> None:
    path, answer = one_answer
    text = CLAUDE_CODE.render(deny("approvald: no")).stdout.encode()
    answer += [text, b"x-approvald-exit: 2\r\n"]
    reply = runner.decide(CLAUDE_CODE, b'{"tool_name": "Bash"}', endpoint=path)
    assert reply.stdout == text.decode() and reply.exit_code == 2
