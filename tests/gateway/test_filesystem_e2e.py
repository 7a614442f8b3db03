"""The npm reference server `@modelcontextprotocol/server-filesystem` (pinned in
tests/support/npm, installed by scripts/test.sh) behind the gateway, with a real daemon."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.daemon import RunningDaemon
from tests.support.gateway import filesystem_server, gateway_session, text_of, wrap_args

pytestmark = pytest.mark.e2e
TOKEN = "ghp_" + "Qq1Ww2Ee3R" * 3 + "t4Yy5U"


@pytest.fixture
def server_command() -> list[str]:
    command = filesystem_server()
    if command is None:
        pytest.fail("server-filesystem is not installed: run scripts/test.sh (it installs "
                    "tests/support/npm into .cache/npm) or `npm ci` there yourself")
    return command


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "README.md").write_text("# Project\n")
    (project / "token.txt").write_text(f"deploy token: {TOKEN}\n")
    (project / ".env").write_text("DATABASE_PASSWORD=hunter2-but-longer\n")
    (tmp_path / "outside.txt").write_text("not for you\n")
    return project


async def test_server_filesystem_through_the_gateway(approvald_exe: list[str],
                                                     gw_daemon: RunningDaemon,
                                                     server_command: list[str],
                                                     root: Path) -> None:
    args = wrap_args("filesystem", [*server_command, str(root)])
    async with gateway_session(approvald_exe, gw_daemon.env, args, cwd=root) as session:
        tools = {t.name for t in (await session.list_tools()).tools}
        assert {"read_text_file", "write_file", "list_directory", "edit_file"} <= tools

        readme = await session.call_tool("read_text_file", {"path": str(root / "README.md")})
        assert not readme.is_error and text_of(readme) == "# Project\n"
        assert readme.structured_content == {"content": "# Project\n"}

        token = await session.call_tool("read_text_file", {"path": str(root / "token.txt")})
        assert TOKEN not in text_of(token) and "[REDACTED:" in text_of(token)
        assert TOKEN not in json.dumps(token.structured_content)

        outside = await session.call_tool("read_text_file",
                                          {"path": str(root.parent / "outside.txt")})
        assert outside.is_error and "not for you" not in text_of(outside)

        wrote = await session.call_tool("write_file", {"path": str(root / "new.txt"),
                                                       "content": "written"})
        assert not wrote.is_error and (root / "new.txt").read_text() == "written"
    pins = {p["tool"]: p["status"] for p in gw_daemon.client().pins("filesystem")}
    assert pins["read_text_file"] == "pinned" and len(pins) == len(tools)


async def test_reading_env_through_server_filesystem_is_denied(approvald_exe: list[str],
                                                               gw_daemon: RunningDaemon,
                                                               server_command: list[str],
                                                               root: Path) -> None:
    args = wrap_args("filesystem", [*server_command, str(root)])
    async with gateway_session(approvald_exe, gw_daemon.env, args, cwd=root) as session:
        result = await session.call_tool("read_text_file", {"path": str(root / ".env")})
    assert result.is_error and "hunter2" not in text_of(result)
    assert "approvald denied this call (rule secrets" in text_of(result)
