"""The hook's pieces without a daemon: answer mapping, transport, bad input, import hygiene."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.hook import claude_code as hook
from approvald.hook.transport import (
    DaemonUnavailable,
    ProtocolError,
    parse_response,
    request,
)


def _output(answer: hook.HookAnswer) -> dict[str, object] | None:
    text = answer.render()
    return json.loads(text)["hookSpecificOutput"] if text else None


def test_allow_is_no_opinion() -> None:
    assert hook.answer_from_daemon({"decision": "ALLOW", "reason": "ok"}).render() == ""


def test_deny_carries_the_reason() -> None:
    out = _output(hook.answer_from_daemon({"decision": "DENY", "reason": "reading .env"}))
    assert out == {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                   "permissionDecisionReason": "approvald: reading .env"}


@pytest.mark.parametrize(("answer", "permission", "words"), [
    ({"status": "approved", "decided_by": "cli", "approval_id": "ap_1"}, "allow", "ap_1"),
    ({"status": "approved", "decided_by": "dashboard", "scope": "session",
      "approval_id": "ap_2"}, "allow", "for this session"),
    ({"status": "denied", "decided_by": "cli", "decision_reason": "not today"}, "deny",
     "not today"),
    ({"status": "denied", "decided_by": "cli", "decision_reason": None}, "deny", "denied by cli"),
    ({"status": "expired", "decision_reason": "no decision within 2 s"}, "deny",
     "no decision within 2 s"),
    ({"status": "denied", "decided_by": "daemon", "decision_reason": "daemon stopping"},
     "deny", "daemon stopping"),
    ({"status": None}, "deny", "pending"),
])
def test_require_approval_outcomes(answer: dict[str, object], permission: str,
                                   words: str) -> None:
    out = _output(hook.answer_from_daemon({"decision": "REQUIRE_APPROVAL", **answer}))
    assert out is not None and out["permissionDecision"] == permission
    assert words in str(out["permissionDecisionReason"])


@pytest.mark.parametrize("body", [b"ok", b"[]", b'{"decision": "ALLOW"}', b"\xff"])
def test_only_a_rendered_hook_answer_is_printed(body: bytes) -> None:
    out = _output(hook._rendered(body))
    assert out is not None and out["permissionDecision"] == "deny"
    assert hook._rendered(b"").render() == ""
    text = hook.deny("no").render()
    assert hook._rendered(text.encode()).render() == text


@pytest.mark.parametrize("answer", [None, [], {"decision": "MAYBE"}, {}])
def test_nonsense_from_the_daemon_is_denied(answer: object) -> None:
    out = _output(hook.answer_from_daemon(answer))
    assert out is not None and out["permissionDecision"] == "deny"


@pytest.mark.parametrize(("raw", "words"), [
    (b"", "not JSON"),
    (b"{not json", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (b'"text"', "JSON object"),
])
def test_unusable_input_is_denied_before_dialing(raw: bytes, words: str) -> None:
    out = _output(hook.decide(raw, endpoint="/nonexistent/socket"))
    assert out is not None and out["permissionDecision"] == "deny"
    assert words in str(out["permissionDecisionReason"])


def test_oversized_input_is_denied() -> None:
    out = _output(hook.decide(b" " * (hook.MAX_PAYLOAD + 1), endpoint="/nonexistent"))
    assert out is not None and out["permissionDecision"] == "deny"
    assert "too large" in str(out["permissionDecisionReason"])


def test_an_internal_error_is_a_deny(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(hook, "request", explode)
    out = _output(hook.decide(b'{"tool_name": "Bash"}', endpoint="/x"))
    assert out is not None and out["permissionDecision"] == "deny"
    assert "boom" in str(out["permissionDecisionReason"])


# -- transport --------------------------------------------------------------------------------

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


# -- import hygiene ---------------------------------------------------------------------------

HEAVY = ("approvald.paths", "yaml", "tree_sitter", "httpx", "starlette", "uvicorn", "textual",
         "keyring", "platformdirs", "watchdog", "http.client", "ssl", "email")


def test_hook_fast_path_imports_only_the_standard_library(tmp_path: Path) -> None:
    """Run the hook against a canned daemon in a subprocess and list what it imported."""
    sock_path = str(tmp_path / "d.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(sock_path)
    server.listen(1)

    seen: list[bytes] = []

    def answer_once() -> None:
        conn, _ = server.accept()
        with conn:
            seen.append(conn.recv(65536))
            # ALLOW, as the daemon renders it for the hook: nothing to print.
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")

    threading.Thread(target=answer_once, daemon=True).start()
    probe = (
        "import sys, io\n"
        "from approvald.cli import main\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(b'{\"tool_name\": \"Bash\", "
        "\"tool_input\": {\"command\": \"ls\"}, \"session_id\": \"s\", \"cwd\": \"/tmp\"}'))\n"
        "code = main(['hook', 'claude-code'])\n"
        "print(repr({'code': code, 'modules': sorted(sys.modules)}), file=sys.stderr)\n"
    )
    env = {**os.environ, "APPROVALD_SOCKET": sock_path, "APPROVALD_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, env=env,
                          timeout=60)
    server.close()
    import ast

    report = ast.literal_eval(proc.stderr.decode().strip().splitlines()[-1])
    assert report["code"] == 0
    assert proc.stdout == b""  # ALLOW: no opinion
    assert seen and seen[0].startswith(b"POST /v1/hook/claude-code HTTP/1.1")
    loaded = set(report["modules"])
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY or m == "socket")
    assert heavy == []
    assert not any(m.startswith("approvald.policy") for m in loaded)
    assert "json" not in loaded  # the fast path hands bytes through
    # Everything imported is the standard library or approvald itself.
    stdlib = set(sys.stdlib_module_names)
    foreign = sorted(m for m in loaded if m.split(".")[0] not in stdlib
                     and not m.startswith("approvald") and not m.startswith("_"))
    assert foreign == [], foreign


@pytest.mark.parametrize("env", [
    {"APPROVALD_HOME": "/tmp/ad-x"},
    {"APPROVALD_HOME": "~/odd/../home"},
    {"HOME": "/home/u", "XDG_RUNTIME_DIR": "/tmp", "XDG_CONFIG_HOME": "/cfg"},
    {"HOME": "/home/u", "XDG_RUNTIME_DIR": "relative", "XDG_CONFIG_HOME": ""},
    {"HOME": "/home/u", "XDG_RUNTIME_DIR": "/nonexistent-runtime"},
])
def test_hook_endpoint_agrees_with_paths(monkeypatch: pytest.MonkeyPatch,
                                         env: dict[str, str]) -> None:
    from approvald.hook import endpoint
    from approvald.paths import get_paths

    for name in ("APPROVALD_HOME", "APPROVALD_SOCKET", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    paths = get_paths()
    assert endpoint.daemon_endpoint() == paths.socket
    assert endpoint.config_file() == str(paths.config)
