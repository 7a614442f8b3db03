"""The HTTP client (against a mock transport) and the desktop notification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from approvald.wire.aclient import AsyncDaemonClient, parse_sse_lines
from approvald.wire.errors import DaemonError
from approvald_tui import notify


def test_parse_sse_lines() -> None:
    assert parse_sse_lines([": ping"]) is None
    assert parse_sse_lines(["event: decision", 'data: {"type": "decision", "x": 1}']) == {
        "type": "decision", "x": 1}
    assert parse_sse_lines(["event: hello", 'data: {"ts": "t"}']) == {"type": "hello",
                                                                      "ts": "t"}
    assert parse_sse_lines(["data: not json"]) is None
    assert parse_sse_lines(['data: {"a":', "data: 1}"]) == {"a": 1}


def sse(*events: dict[str, Any]) -> bytes:
    out = b": ping\n\n"
    for event in events:
        out += f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
    return out


class Recorder:
    def __init__(self, token_file: Path) -> None:
        self.token_file = token_file
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        expected = f"Bearer {self.token_file.read_text().strip()}"
        if request.url.path != "/v1/status" and request.headers.get("authorization") != expected:
            return httpx.Response(401, json={"error": "operator token required"})
        if request.url.path == "/v1/events":
            return httpx.Response(200, content=sse({"type": "hello", "running": True},
                                                   {"type": "decision", "decision": "ALLOW"}),
                                  headers={"content-type": "text/event-stream"})
        if request.url.path == "/v1/approvals":
            return httpx.Response(200, json={"approvals": [{"id": "ap_1"}]})
        if request.url.path.endswith("/approve"):
            body = json.loads(request.content)
            return httpx.Response(200, json={"id": "ap_1", "status": "approved", **body})
        if request.url.path.endswith("/deny"):
            return httpx.Response(409, json={"error": "approval ap_1 is already approved"})
        return httpx.Response(200, json={"running": True})


async def test_client_sends_the_operator_token_and_rereads_it(tmp_path: Path) -> None:
    token = tmp_path / "operator.token"
    token.write_text("first\n")
    recorder = Recorder(token)
    client = AsyncDaemonClient("/nonexistent.sock", token,
                              transport=httpx.MockTransport(recorder))
    assert await client.approvals() == [{"id": "ap_1"}]
    assert recorder.requests[-1].url.params["status"] == "pending"
    token.write_text("second\n")  # the daemon restarted with a new token
    result = await client.approve("ap_1", "session")
    assert result["scope"] == "session" and result["by"] == "dashboard"
    assert recorder.requests[-1].headers["authorization"] == "Bearer second"
    events = [event async for event in client.events()]
    assert [e["type"] for e in events] == ["hello", "decision"]
    with pytest.raises(DaemonError) as info:
        await client.deny("ap_1", "no")
    assert info.value.status == 409 and "already approved" in str(info.value)
    await client.aclose()


async def test_client_without_a_daemon_raises_daemon_error(tmp_path: Path) -> None:
    client = AsyncDaemonClient(str(tmp_path / "missing.sock"), tmp_path / "no.token")
    with pytest.raises(DaemonError, match="no daemon answers"):
        await client.status()
    with pytest.raises(DaemonError):
        async for _ in client.events():
            pass
    await client.aclose()


def test_notification_command_per_platform() -> None:
    found = {"notify-send": "/usr/bin/notify-send", "osascript": "/usr/bin/osascript",
             "powershell": "C:/ps.exe"}
    linux = notify.notification_command("T", "B", "linux", found.get)
    assert linux is not None and linux[0][0] == "/usr/bin/notify-send" and linux[0][-2:] == [
        "T", "B"]
    mac = notify.notification_command('say "hi"', "B", "darwin", found.get)
    assert mac is not None and 'with title "say \\"hi\\""' in mac[0][2]
    win = notify.notification_command("T", "B", "win32", found.get)
    assert win is not None and win[1] == {"APPROVALD_NOTE_TITLE": "T",
                                          "APPROVALD_NOTE_BODY": "B"}
    assert notify.notification_command("T", "B", "linux", lambda _: None) is None


def test_desktop_notify_is_silent_without_a_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify, "notification_command", lambda *a, **k: None)
    notify.desktop_notify("title", "body")  # nothing to run: no error

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no such file")

    monkeypatch.setattr(notify, "notification_command",
                        lambda *a, **k: (["/missing/notify-send", "t"], {}))
    monkeypatch.setattr(notify.subprocess, "Popen", broken)
    notify.desktop_notify("title", "body")  # a failing tool: still no error
