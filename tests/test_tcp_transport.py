"""The loopback TCP transport (APPROVALD_TRANSPORT=tcp; Windows' default), run on any platform:
the endpoint and client token files, the client token on every endpoint, the hook and CLI over
TCP, and what a stopped or killed TCP daemon leaves behind."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.hook import endpoint
from approvald.paths import get_paths
from tests.test_daemon_e2e import (
    RunningDaemon,
    finish_hook,
    hook_payload,
    run_hook,
    start_hook,
)

TCP_ENV = {"APPROVALD_TRANSPORT": "tcp", "APPROVALD_DOCTOR_WATCH": "0"}
ENDPOINT_RE = re.compile(r"^tcp://127\.0\.0\.1:(\d+)$")


def raw_http(port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    """POST `body` to 127.0.0.1:port with nothing but `headers`; the answer's status."""
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
             "Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def listening_addresses(port: int) -> set[str] | None:
    """The IPv4 addresses something listens on at `port` (Linux /proc), or None elsewhere."""
    try:
        table = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    found = set()
    for row in table:
        local, state = row.split()[1], row.split()[3]
        address, _, hex_port = local.partition(":")
        if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def port_of(daemon: RunningDaemon) -> int:
    match = ENDPOINT_RE.match(daemon.paths.endpoint_file.read_text().strip())
    assert match, daemon.paths.endpoint_file.read_text()
    return int(match.group(1))


async def dashboard_calls(daemon: RunningDaemon, port: int) -> tuple[dict[str, object], int]:
    from approvald_tui.client import DaemonError, HttpDaemonClient

    endpoint = f"tcp://127.0.0.1:{port}"
    client = HttpDaemonClient(endpoint, daemon.paths.token_file)
    try:
        status = await client.status()
        assert await client.approvals() == []
    finally:
        await client.aclose()
    stranger = HttpDaemonClient(endpoint, None)
    try:
        await stranger.status()
        refused = 200
    except DaemonError as exc:
        refused = exc.status or 0
    finally:
        await stranger.aclose()
    return status, refused


@pytest.fixture
def tcp_daemon(approvald_exe: list[str], approvald_home: Path) -> Iterator[RunningDaemon]:
    running = RunningDaemon(approvald_exe, approvald_home, **TCP_ENV).start()
    yield running
    running.ensure_stopped()


# -- choosing the transport -------------------------------------------------------------------

def test_transport_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    assert endpoint.selected_transport({"APPROVALD_TRANSPORT": "tcp"}) == "tcp"
    assert endpoint.selected_transport({"APPROVALD_TRANSPORT": " TCP "}) == "tcp"
    assert endpoint.selected_transport({"APPROVALD_TRANSPORT": "unix"}) == "unix"
    monkeypatch.setattr(sys, "platform", "win32")
    assert endpoint.selected_transport({}) == "tcp"
    assert endpoint.selected_transport({"APPROVALD_TRANSPORT": "unix"}) == "unix"
    assert endpoint.selected_transport({"APPROVALD_TRANSPORT": "carrier-pigeon"}) == "tcp"
    monkeypatch.setattr(sys, "platform", "linux")
    assert endpoint.selected_transport({}) == "unix"
    assert endpoint.selected_transport({"APPROVALD_TRANSPORT": ""}) == "unix"
    monkeypatch.setenv("APPROVALD_TRANSPORT", "tcp")
    assert endpoint.selected_transport() == "tcp"  # os.environ when none is given


def test_hook_and_paths_agree_over_tcp(monkeypatch: pytest.MonkeyPatch,
                                       approvald_home: Path, tmp_path: Path) -> None:
    monkeypatch.delenv("APPROVALD_SOCKET", raising=False)
    monkeypatch.setenv("APPROVALD_TRANSPORT", "tcp")
    paths = get_paths()
    assert paths.socket == endpoint.daemon_endpoint() == "tcp://127.0.0.1:0"  # none written
    paths.runtime.mkdir(parents=True)
    paths.endpoint_file.write_text("tcp://127.0.0.1:4567\n")
    assert paths.socket == endpoint.daemon_endpoint() == "tcp://127.0.0.1:4567"
    assert get_paths({"APPROVALD_HOME": str(approvald_home)}).socket == str(paths.unix_socket)
    assert endpoint.state_dir() == str(paths.state)
    assert endpoint.read_client_token() is None
    paths.state.mkdir(parents=True)
    paths.client_token_file.write_text("sekrit\n")
    assert endpoint.read_client_token() == "sekrit"
    # Without APPROVALD_HOME the platform's state directory, as approvald.paths computes it.
    monkeypatch.delenv("APPROVALD_HOME")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    assert endpoint.state_dir() == str(get_paths().state)


def test_unknown_transport_stops_the_daemon(approvald_exe: list[str],
                                            approvald_home: Path) -> None:
    daemon = RunningDaemon(approvald_exe, approvald_home, APPROVALD_TRANSPORT="carrier-pigeon")
    result = daemon.cli("daemon", timeout=20)
    assert result.returncode == 1
    assert "APPROVALD_TRANSPORT must be tcp or unix" in result.stderr


# -- a real daemon on TCP ---------------------------------------------------------------------

@pytest.mark.e2e
def test_tcp_daemon_serves_hook_cli_and_guards_every_endpoint(
        tcp_daemon: RunningDaemon) -> None:
    daemon = tcp_daemon
    assert not daemon.paths.unix_socket.exists()
    port = port_of(daemon)
    assert 0 < port < 65536
    for private in (daemon.paths.endpoint_file, daemon.paths.client_token_file):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
    assert len(daemon.paths.client_token_file.read_text().strip()) >= 40

    shown = daemon.cli("paths", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["socket"] == f"tcp://127.0.0.1:{port}"
    status = daemon.cli("status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["socket"] == f"tcp://127.0.0.1:{port}"

    assert listening_addresses(port) in ({"127.0.0.1"}, None)  # loopback only

    # The dashboard's httpx client over TCP: with the tokens it is served, without them 401.
    dashboard_status, refused = asyncio.run(dashboard_calls(daemon, port))
    assert dashboard_status["socket"] == f"tcp://127.0.0.1:{port}"
    assert refused == 401

    code, out, err = run_hook(daemon.exe, daemon.env, hook_payload("ls"))
    assert (code, out) == (0, None), err
    code, out, err = run_hook(daemon.exe, daemon.env, hook_payload(
        tool="Read", tool_input={"file_path": "/tmp/project/.env"}, cwd="/tmp/project"))
    assert code == 0 and out is not None, err
    assert out["permissionDecision"] == "deny"
    assert "no daemon" not in out.get("permissionDecisionReason", "")
    # The daemon decided (not the hook locally): its activity shows the decision.
    events = daemon.client().call("GET", "/v1/activity")["events"]
    assert [e["decision"] for e in events] == ["ALLOW", "DENY"], events

    # Without the client token every endpoint refuses, the hook's included.
    body = json.dumps({"agent": "claude-code",
                       "payload": json.loads(hook_payload("ls"))}).encode()
    assert raw_http(port, "/v1/decide", body) == 401
    assert raw_http(port, "/v1/hook/claude-code", hook_payload("ls")) == 401
    assert raw_http(port, "/v1/decide", body, {"X-Approvald-Client": "wrong"}) == 401
    token = daemon.paths.client_token_file.read_text().strip()
    assert raw_http(port, "/v1/hook/claude-code", hook_payload("ls"),
                    {"X-Approvald-Client": token}) == 200
    # The operator token is still needed on operator endpoints, as over the Unix socket.
    assert raw_http(port, "/v1/policy/reload", b"{}", {"X-Approvald-Client": token}) == 401

    # An approval over TCP: the hook waits, the CLI approves, the hook lets it through.
    hook = start_hook(daemon.exe, daemon.env, hook_payload("git push origin main"))
    pending = daemon.wait_pending()
    approved = daemon.cli("approvals", "approve", pending[0]["id"])
    assert approved.returncode == 0, approved.stderr
    code, out = finish_hook(hook)
    assert code == 0 and out is not None
    assert out["permissionDecision"] == "allow"
    assert pending[0]["id"] in out["permissionDecisionReason"]

    assert daemon.stop(signal.SIGTERM) == 0
    assert not daemon.paths.endpoint_file.exists()
    gone = daemon.cli("status", "--json")
    assert gone.returncode != 0


@pytest.mark.e2e
def test_killed_tcp_daemon_leaves_the_hook_deciding_locally(tcp_daemon: RunningDaemon) -> None:
    daemon = tcp_daemon
    port = port_of(daemon)
    daemon.kill9()
    assert daemon.paths.endpoint_file.exists()  # stale: nobody listens on that port now
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    code, out, err = run_hook(daemon.exe, daemon.env, hook_payload("git push origin main"))
    assert code == 0 and out is not None, err  # never empty (allow) for a gated action
    assert out["permissionDecision"] == "ask"
    assert "no daemon" in out["permissionDecisionReason"]
    code, out, err = run_hook(daemon.exe, daemon.env, hook_payload("cat .env"))
    assert code == 0 and out is not None and out["permissionDecision"] == "deny", err
    assert daemon.cli("status", "--json").returncode != 0
    # A new daemon takes over: a new port, a new client token, hooks go to it again.
    old_token = daemon.paths.client_token_file.read_text()
    again = RunningDaemon(daemon.exe, daemon.home, **TCP_ENV).start()
    try:
        assert daemon.paths.client_token_file.read_text() != old_token
        code, out, err = run_hook(again.exe, again.env, hook_payload("ls"))
        assert (code, out) == (0, None), err
    finally:
        again.ensure_stopped()


@pytest.mark.e2e
def test_missing_client_token_means_no_daemon_for_the_hook(tcp_daemon: RunningDaemon) -> None:
    daemon = tcp_daemon
    daemon.paths.client_token_file.unlink()
    code, out, err = run_hook(daemon.exe, daemon.env, hook_payload("git push origin main"))
    assert code == 0 and out is not None, err
    assert out["permissionDecision"] == "ask"  # decided locally, never an empty allow
    assert "no daemon" in out["permissionDecisionReason"]
    assert daemon.cli("status", "--json").returncode != 0
