"""The webhook ([notify] in config.toml): a real daemon tells a real HTTP endpoint that a
request waits, naming the agent, the project and the command, never a secret-looking value."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from approvald.daemon.notify import build_request
from tests.support.daemon import RunningDaemon, finish_hook, kill_tree, start_hook
from tests.support.payloads import claude_code_payload

pytestmark = pytest.mark.e2e
TOKEN = "ghp_" + "Zq9" * 12


class _Catch(http.server.BaseHTTPRequestHandler):
    got: ClassVar[list[dict[str, Any]]] = []  # each test gives a subclass its own list

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.got.append({"path": self.path, "headers": dict(self.headers),
                         "body": body.decode("utf-8")})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    got: ClassVar[list[dict[str, Any]]] = []  # each test gives a subclass its own list
    handler = type("Catch", (_Catch,), {"got": got})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/approvals", got
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("fmt", ["ntfy", "json"])
def test_a_waiting_request_reaches_the_webhook_redacted(
        approvald_exe: list[str], approvald_home: Path, tmp_path: Path, fmt: str,
        endpoint: tuple[str, list[dict[str, Any]]]) -> None:
    url, got = endpoint
    (approvald_home / "config.toml").write_text(
        f'[notify]\nwebhook = "{url}"\nformat = "{fmt}"\n')
    daemon = RunningDaemon(approvald_exe, approvald_home).start()
    project = tmp_path / "webshop"
    project.mkdir()
    try:
        command = f"git push https://dev:{TOKEN}@github.com/acme/webshop.git main"
        hook = start_hook(daemon.exe, daemon.env, json.dumps(claude_code_payload(
            command, session="s-hook", cwd=str(project))).encode())
        daemon.wait_pending()
        deadline = time.monotonic() + 15
        while not got and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(got) == 1, daemon.log()
        sent = got[0]
        assert TOKEN not in json.dumps(sent)
        if fmt == "ntfy":
            assert sent["headers"]["Title"] == "approvald: claude-code asks in webshop"
            assert sent["headers"]["Priority"] == "high"
            text = sent["body"]
        else:
            doc = json.loads(sent["body"])
            assert doc["title"] == "approvald: claude-code asks in webshop"
            assert doc["project"] == "webshop" and doc["agent"] == "claude-code"
            assert doc["rules"] == ["git-push"] and doc["approval_id"].startswith("ap_")
            text = doc["body"]
        assert text.startswith("git push https://") and "[REDACTED" in text
        kill_tree(hook)
        finish_hook(hook, timeout=10)
    finally:
        daemon.ensure_stopped()


def test_slack_gets_a_text_message() -> None:
    request = build_request("https://hooks.slack.com/services/T/B/x", "slack", {
        "agent": "codex", "cwd": "/home/dev/infra", "summary": "terraform apply",
        "high_risk": True})
    assert request.get_method() == "POST"
    assert json.loads(request.data or b"") == {  # type: ignore[arg-type]
        "text": "*approvald: codex asks in infra*\n[high risk] terraform apply"}
