"""`approvald mcp serve` end to end: the built-in tools are judged as the native actions they
are (shell analysis, file rules, network), with the starter policy and a real daemon."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from tests.support.daemon import RunningDaemon
from tests.support.gateway import gateway_session, text_of

pytestmark = pytest.mark.e2e
SERVE = ["mcp", "serve"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("hello from the notes\n")
    (tmp_path / ".env").write_text("API_TOKEN=not-for-the-agent\n")
    return tmp_path


@pytest.fixture
def web() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/away":
                self.send_response(302)
                self.send_header("Location", "http://example.invalid/")
                self.end_headers()
                return
            body = b"pong " + self.headers.get("X-Probe", "").encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_builtin_tools_follow_the_native_rules(approvald_exe: list[str],
                                                     gw_daemon: RunningDaemon, project: Path,
                                                     web: str) -> None:
    async with gateway_session(approvald_exe, gw_daemon.env, SERVE, cwd=project) as session:
        names = {t.name for t in (await session.list_tools()).tools}
        assert names == {"run_command", "read_file", "write_file", "http_request"}

        echoed = await session.call_tool("run_command", {"command": "echo hello"})
        assert not echoed.is_error and text_of(echoed) == "hello\n\n[exit code 0]"
        failed = await session.call_tool("run_command", {"command": "exit 3"})
        assert failed.is_error and "[exit code 3]" in text_of(failed)
        secret = await session.call_tool("run_command", {"command": "cat .env"})
        assert secret.is_error and "secrets-read-command" in text_of(secret)

        read = await session.call_tool("read_file", {"path": "notes.txt"})
        assert text_of(read) == "hello from the notes\n"
        env_file = await session.call_tool("read_file", {"path": ".env"})
        assert env_file.is_error and "secrets-read-tool" in text_of(env_file)

        wrote = await session.call_tool("write_file", {"path": "out.txt", "content": "hi"})
        assert not wrote.is_error and (project / "out.txt").read_text() == "hi"
        settings = await session.call_tool("write_file", {"path": ".claude/settings.json",
                                                          "content": "{}"})
        assert settings.is_error and "self.agent-settings" in text_of(settings)
        assert not (project / ".claude").exists()

        fetched = await session.call_tool("http_request", {"url": f"{web}/ping",
                                                           "headers": {"X-Probe": "42"}})
        assert not fetched.is_error and text_of(fetched).startswith("HTTP 200")
        assert text_of(fetched).endswith("pong 42")
        moved = await session.call_tool("http_request", {"url": f"{web}/away"})
        assert "Location: http://example.invalid/ (not followed)" in text_of(moved)

        token = await session.call_tool(
            "run_command", {"command": "printf 'token=ghp_%s' " + "Ab1Cd2Ef3G" * 4})
        assert "ghp_" not in text_of(token) and "[REDACTED:" in text_of(token)

    decisions = gw_daemon.client().call("GET", "/v1/activity?limit=100")["events"]
    kinds = {(e["tool"], e["kind"]) for e in decisions}
    assert ("mcp__approvald__run_command", "process.exec") in kinds
    assert ("mcp__approvald__read_file", "fs.read") in kinds
    assert ("mcp__approvald__http_request", "net.http") in kinds


async def test_a_gated_command_waits_for_the_person(approvald_exe: list[str],
                                                    gw_daemon: RunningDaemon,
                                                    project: Path) -> None:
    outcome = {}
    async with gateway_session(approvald_exe, gw_daemon.env, SERVE, cwd=project) as session, \
            anyio.create_task_group() as tasks:
        async def call() -> None:
            outcome["result"] = await session.call_tool(
                "run_command", {"command": "git push origin main"})
        tasks.start_soon(call)
        [pending] = await anyio.to_thread.run_sync(gw_daemon.wait_pending)
        assert pending["tool"] == "mcp__approvald__run_command"
        assert pending["summary"] == "git push origin main" and pending["rules"] == ["git-push"]
        client = gw_daemon.client()
        await anyio.to_thread.run_sync(lambda: client.deny(pending["id"], "CI pushes"))
    result = outcome["result"]
    assert result.is_error and "CI pushes" in text_of(result)


async def test_with_no_daemon_gated_commands_are_refused(approvald_exe: list[str],
                                                         env: dict[str, str],
                                                         project: Path) -> None:
    async with gateway_session(approvald_exe, env, SERVE, cwd=project) as session:
        result = await session.call_tool("run_command", {"command": "git push origin main"})
        assert result.is_error and "no approvald daemon runs" in text_of(result)
        echoed = await session.call_tool("run_command", {"command": "echo ok"})
        assert text_of(echoed) == "ok\n\n[exit code 0]"
