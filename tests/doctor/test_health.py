from __future__ import annotations

import http.server
import os
import socket
import socketserver
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.doctor import health
from approvald.doctor.findings import Finding
from approvald.paths import Paths, ensure_private_dir, get_paths

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets and modes")


def kinds(findings: list[Finding]) -> dict[str, str]:
    return {f.id.split("/")[1]: f.severity for f in findings}


def test_daemon_down_is_info_without_hook_low_with() -> None:
    paths = get_paths()
    assert kinds(health.check(paths, hook_installed=False))["daemon-down"] == "info"
    assert kinds(health.check(paths, hook_installed=True))["daemon-down"] == "low"
    assert "daemon-down" not in kinds(health.check(paths, check_daemon=False))


class _Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"running": true}'
        self.send_response(200 if self.path == "/v1/status" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _UnixHTTP(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):  # type: ignore[no-untyped-def]
        request, _ = super().get_request()
        return request, ("local", 0)  # BaseHTTPRequestHandler wants a (host, port)


@pytest.fixture
def fake_daemon() -> Iterator[Paths]:
    paths = get_paths()
    ensure_private_dir(paths.runtime)
    server = _UnixHTTP(str(paths.unix_socket), _Status)
    os.chmod(paths.unix_socket, 0o600)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield paths
    server.shutdown()
    server.server_close()


@posix_only
def test_running_daemon_and_private_files_give_no_findings(fake_daemon: Paths) -> None:
    ok, why = health.dial_status(fake_daemon.socket)
    assert ok, why
    assert health.check(fake_daemon, hook_installed=True) == []


@posix_only
def test_loose_permissions_are_high(fake_daemon: Paths) -> None:
    os.chmod(fake_daemon.runtime, 0o755)
    os.chmod(fake_daemon.unix_socket, 0o666)
    fake_daemon.state.mkdir(parents=True, exist_ok=True)
    fake_daemon.token_file.write_text("secret")
    os.chmod(fake_daemon.token_file, 0o644)
    loose = [f for f in health.check(fake_daemon) if "/loose-permissions/" in f.id]
    assert {f.file: f.severity for f in loose} == {
        str(fake_daemon.runtime): "high",
        str(fake_daemon.unix_socket): "high",
        str(fake_daemon.token_file): "high",
    }
    assert any(f.fix == f"chmod 600 {fake_daemon.token_file}" for f in loose)


def test_tcp_endpoint_without_port() -> None:
    ok, why = health.dial_status("tcp://127.0.0.1:0")
    assert not ok and "endpoint" in why


def test_nothing_listening_on_a_stale_socket(tmp_path: Path) -> None:
    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("no Unix sockets")
    path = Path(get_paths().runtime) / "stale.sock"
    ensure_private_dir(path.parent)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()  # the file stays, nobody listens
    ok, _ = health.dial_status(str(path), timeout=0.5)
    assert not ok


def test_broken_policy_is_high() -> None:
    paths = get_paths()
    paths.policies.mkdir(parents=True, exist_ok=True)
    broken = paths.policies / "team.yaml"
    broken.write_text("rules:\n  - id: x\n    decision: [unclosed\n")
    found = [f for f in health.check(paths, check_daemon=False) if "/policy-broken/" in f.id]
    assert len(found) == 1 and found[0].severity == "high"
    assert "team.yaml" in found[0].file or "team.yaml" in found[0].detail
    broken.unlink()
    assert not [f for f in health.check(paths, check_daemon=False) if "/policy-" in f.id]


def test_bad_config_value_is_reported() -> None:
    paths = get_paths()
    paths.config.parent.mkdir(parents=True, exist_ok=True)
    paths.config.write_text("approval_timeout_s = -3\n")
    found = [f for f in health.check(paths, check_daemon=False) if "/config-problem/" in f.id]
    assert found and "approval_timeout_s" in found[0].detail


def test_export_that_cannot_run_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    import approvald.telemetry as telemetry

    paths = get_paths()
    paths.config.parent.mkdir(parents=True, exist_ok=True)
    assert "export-extra-missing" not in kinds(health.check(paths, check_daemon=False))
    paths.config.write_text('[otel]\nendpoint = "http://collector:4318"\ntimeout_s = -1\n')
    found = kinds(health.check(paths, check_daemon=False))
    assert found.get("export-problem") == "medium"  # the bad timeout
    assert "export-extra-missing" not in found  # the extra is installed here
    monkeypatch.setattr(telemetry, "extra_missing", lambda: "OTLP export needs the otel extra")
    [finding] = [f for f in health.check(paths, check_daemon=False)
                 if "export-extra-missing" in f.id]
    assert finding.severity == "medium" and "http://collector:4318/v1/logs" in finding.detail
