"""The hook's fast path (approvald.hook.fast) against the full one: it dials the same daemon,
signs the same way, waits as long, and accepts only answers the full path accepts, printing
exactly what the full path prints. Whatever it does not accept, the full path judges."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approvald.agents import AGENTS, get_agent
from approvald.agents.base import ASK, DENY, Verdict, deny
from approvald.hook import fast, runner
from approvald.settings import HOOK_TIMEOUT_S, NO_TCP_ENDPOINT, default_config_file, hook_deadline_s
from approvald.signing import Signer
from approvald.wire import endpoint, protocol, transport
from approvald.wire.errors import DaemonUnavailable
from tests.support.proofs import proven_answer, signed

ENVS = [
    {"APPROVALD_HOME": "/tmp/ad-x"},
    {"APPROVALD_HOME": "~/odd/../home"},
    {"APPROVALD_HOME": "/tmp/ad-x", "APPROVALD_SOCKET": "/elsewhere/d.sock"},
    {"APPROVALD_HOME": "/tmp/ad-x", "APPROVALD_TRANSPORT": " UNIX "},
    {"HOME": "/home/u", "XDG_RUNTIME_DIR": "/tmp", "XDG_CONFIG_HOME": "/cfg"},
    {"HOME": "/home/u", "XDG_RUNTIME_DIR": "relative", "XDG_CONFIG_HOME": "",
     "XDG_STATE_HOME": "/state"},
    {"HOME": "/home/u", "XDG_RUNTIME_DIR": "/nonexistent-runtime"},
]


@pytest.mark.parametrize("env", ENVS)
def test_where_it_dials_and_reads_agrees_with_approvald(monkeypatch: pytest.MonkeyPatch,
                                                        env: dict[str, str]) -> None:
    for name in ("APPROVALD_HOME", "APPROVALD_SOCKET", "APPROVALD_TRANSPORT", "XDG_RUNTIME_DIR",
                 "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runtime, state, config = fast._dirs()
    assert fast.endpoint(runtime) == endpoint.daemon_endpoint()
    assert state == endpoint.state_dir()
    assert os.path.join(config, "config.toml") == default_config_file()


def test_over_tcp_it_dials_the_written_endpoint(monkeypatch: pytest.MonkeyPatch,
                                                approvald_home: Path) -> None:
    monkeypatch.setenv("APPROVALD_TRANSPORT", "tcp")
    runtime = fast._dirs()[0]
    assert fast.endpoint(runtime) == "" and endpoint.daemon_endpoint() == NO_TCP_ENDPOINT
    os.makedirs(runtime)
    Path(runtime, "endpoint").write_text("tcp://127.0.0.1:4321\n")
    assert fast.endpoint(runtime) == endpoint.daemon_endpoint() == "tcp://127.0.0.1:4321"


def test_its_limits_are_the_full_paths() -> None:
    assert hook_deadline_s(HOOK_TIMEOUT_S) == fast.DEFAULT_DEADLINE_S
    assert fast.LOCAL_RESERVE_S == runner.LOCAL_RESERVE_S
    assert fast.MAX_PAYLOAD == runner.MAX_PAYLOAD
    assert fast.MAX_ANSWER == transport.MAX_RESPONSE


@given(token=st.text(min_size=1, max_size=100), body=st.binary(max_size=200),
       target=st.text(alphabet="/abcdefgh-?=&", max_size=40), exit_code=st.sampled_from(
           ["", "0", "2"]))
@settings(max_examples=50, deadline=None)
def test_its_proofs_are_the_protocols(token: str, body: bytes, target: str,
                                      exit_code: str) -> None:
    nonce = protocol.new_nonce()
    signer = Signer(token)
    digest = protocol.body_digest(body)
    assert signer.sign(f"client:{nonce}:POST {target}:{digest}") == protocol.client_proof(
        token, nonce, "POST", target, digest)
    assert signer.sign(f"server:{nonce}:200:{exit_code}:{digest}") == protocol.server_proof(
        token, nonce, 200, exit_code, digest)


REASONS = ["", "approvald: no", 'quotes " and \\ and \u00e9\u4e2d', "line\nbreak"]


@pytest.mark.parametrize("agent", list(AGENTS))
def test_every_answer_an_agent_renders_takes_the_fast_path(agent: str) -> None:
    assert agent in fast.REPLIES
    adapter = get_agent(agent)
    for permission in (None, "allow", DENY, ASK):
        for reason in REASONS:
            text = adapter.reply(Verdict(permission, reason)).stdout.strip()
            assert adapter.is_reply(text)
            assert fast.renderable(agent, text), (permission, reason, text)


@pytest.mark.parametrize("agent", list(AGENTS))
@given(head=st.sampled_from(["", "{", '{"hookSpecificOutput": {', '{"decision": "deny"',
                             '{"permission": ', '{"permissionDecision": ', '"permissionDecision"'
                             ': "deny"']),
       tail=st.text(max_size=60))
@settings(max_examples=60, deadline=None)
def test_it_accepts_no_text_the_agent_would_not_print(agent: str, head: str, tail: str) -> None:
    for text in (head + tail, tail + head, head):
        if fast.renderable(agent, text):
            assert get_agent(agent).is_reply(text), text


# -- answers: the fast path accepts a subset of what the full path accepts ---------------------

TOKEN = "a-client-token"
RAW = b'{"tool_name": "Bash", "tool_input": {"command": "ls"}, "session_id": "s", "cwd": "/"}'


def _full(agent: str, answer: bytes, nonce: str) -> tuple[str, int]:
    def received() -> transport.Response:
        response = transport.parse_response(answer)
        transport.check_server_proof(response, TOKEN, nonce)
        return response

    reply = runner.decide(get_agent(agent), RAW, endpoint="/unused", deadline=1e12,
                          received=received)
    return reply.stdout, reply.exit_code


def _answer(body: bytes, status: int = 200, headers: str = "X-Approvald-Exit: 0\r\n",
            nonce: str | None = None) -> tuple[bytes, str]:
    request = "\r\n".join(f"{k}: {v}" for k, v in signed(TOKEN, "POST", "/v1/hook/x", RAW,
                                                            with_nonce=nonce).items())
    used = request.split(": ")[1].partition(".")[0]
    return proven_answer(TOKEN, request.encode(), body, status, headers), used


def _same_as_full(agent: str, answer: bytes, nonce: str) -> bool:
    """Whether the fast path accepted `answer`; when it did, it printed what the full one does."""
    done = fast.accepted(answer, Signer(TOKEN), nonce, agent)
    if done is None:
        return False
    out, code = done
    stdout, exit_code = _full(agent, answer, nonce)
    assert out == (stdout.encode() + b"\n" if stdout else b"")
    assert code == exit_code
    return True


def _deny_text(agent: str) -> bytes:
    return get_agent(agent).reply(deny("approvald: no \u00e9")).stdout.encode()


@pytest.mark.parametrize("agent", list(AGENTS))
def test_a_proven_rendered_answer_is_accepted(agent: str) -> None:
    for body, code in ((_deny_text(agent), "0"), (_deny_text(agent), "2"),
                       (get_agent(agent).reply(Verdict(None)).stdout.encode(), "0")):
        answer, nonce = _answer(body, headers=f"X-Approvald-Exit: {code}\r\n")
        assert _same_as_full(agent, answer, nonce)


def _variants(body: bytes) -> list[tuple[str, bytes, str]]:
    good, nonce = _answer(body)
    head, _, rest = good.partition(b"\r\n\r\n")

    def proven(what: bytes, status: int = 200, headers: str = "X-Approvald-Exit: 0\r\n") -> bytes:
        return _answer(what, status, headers, nonce)[0]

    return [
        ("another nonce", good, protocol.new_nonce()),
        ("unproven", good.replace(b"X-Approvald-Server", b"X-Other"), nonce),
        ("body changed", head + b"\r\n\r\n" + rest[:-1] + b" ", nonce),
        ("status 400", proven(b'{"error": "bad"}', 400), nonce),
        ("no exit", proven(body, headers=""), nonce),
        ("exit 1", proven(body, headers="X-Approvald-Exit: 1\r\n"), nonce),
        ("chunked", head.replace(b"Content-Length", b"Transfer-Encoding: chunked\r\nX-L")
         + b"\r\n\r\n" + rest, nonce),
        ("short", good[:-3], nonce),
        ("HTTP/1.0", good.replace(b"HTTP/1.1", b"HTTP/1.0", 1), nonce),
        ("not rendered", proven(b'{"decision": "ALLOW"}'), nonce),
        ("not text", proven(b"\xff\xfe"), nonce),
        ("spaces", proven(b"  \n" + body + b"\n  "), nonce),
        ("other request", _answer(body)[0], nonce),
        ("no head", rest, nonce),
    ]


@pytest.mark.parametrize("agent", list(AGENTS))
def test_anything_else_goes_to_the_full_path(agent: str) -> None:
    for name, answer, nonce in _variants(_deny_text(agent)):
        accepted = _same_as_full(agent, answer, nonce)
        assert accepted is (name == "spaces"), name  # the full path strips those too


@given(data=st.data())
@settings(max_examples=200, deadline=None)
def test_a_mangled_answer_is_never_accepted_unless_the_full_path_agrees(data: st.DataObject
                                                                        ) -> None:
    agent = data.draw(st.sampled_from(list(AGENTS)))
    answer, nonce = _answer(_deny_text(agent), headers=data.draw(st.sampled_from(
        ["X-Approvald-Exit: 0\r\n", "x-approvald-exit:2\r\n", "X-Approvald-Exit: 0\r\n" * 2])))
    at = data.draw(st.integers(0, len(answer)))
    cut = data.draw(st.integers(0, 3))
    insert = data.draw(st.binary(max_size=4) | st.sampled_from(
        [b"\r\n", b":", b" ", b"0", b"\r\n\r\n", b"Content-Length: 1\r\n"]))
    _same_as_full(agent, answer[:at] + insert + answer[at + cut:], nonce)


def _fast_stop(monkeypatch: pytest.MonkeyPatch, payload: bytes) -> BaseException:
    """What the fast path hands over for `payload` (its handover caught, not run)."""
    seen: list[BaseException] = []
    monkeypatch.setattr(fast, "_handover", lambda agent, started, raw, stop, sent:
                        seen.append(stop) or 0)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(payload)))
    assert fast.run("claude-code") == 0
    return seen[0]


def test_where_it_finds_no_daemon_the_full_path_would_not_dial_and_says_the_same(
        monkeypatch: pytest.MonkeyPatch, approvald_home: Path) -> None:
    """A NoDaemon handover skips the full path's own attempt: only where that attempt could
    not reach a daemon either, and with the words it would have recorded."""
    for name in ("APPROVALD_SOCKET", "APPROVALD_TRANSPORT"):
        monkeypatch.delenv(name, raising=False)
    payload = b'{"tool_name": "Bash", "tool_input": {"command": "ls"}}'
    where = endpoint.daemon_endpoint()
    for step in ("no token", "no socket"):
        if step == "no socket":
            state = endpoint.state_dir()
            os.makedirs(state, exist_ok=True)
            Path(state, protocol.CLIENT_TOKEN_NAME).write_text("t0ken\n")
        stop = _fast_stop(monkeypatch, payload)
        with pytest.raises(DaemonUnavailable) as full:
            transport.request(where, "POST", "/v1/hook/claude-code", raw=payload,
                              timeout=None, require_proof=True)
        assert isinstance(stop, fast.NoDaemon), step
        assert str(stop) == str(full.value), step


def test_over_tcp_without_a_token_the_full_path_decides_as_before(
        monkeypatch: pytest.MonkeyPatch, approvald_home: Path) -> None:
    monkeypatch.setenv("APPROVALD_TRANSPORT", "tcp")
    runtime = fast._dirs()[0]
    os.makedirs(runtime)
    Path(runtime, "endpoint").write_text("tcp://127.0.0.1:0\n")
    stop = _fast_stop(monkeypatch, b'{"tool_name": "Bash", "tool_input": {"command": "ls"}}')
    assert isinstance(stop, fast.Handover) and not isinstance(stop, fast.NoDaemon)
