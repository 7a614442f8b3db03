"""The MCP gateway, for tests: the SDK's real stdio client talking to `approvald mcp wrap`.

Sessions are opened inside the test body (`async with gateway_session(...)`), never in a
pytest-asyncio yield fixture: anyio task groups must be left in the task that entered them.
The gateway's stderr goes to a file in the home (`errlog`), for the failure message.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters, stdio_client

SUPPORT = Path(__file__).resolve().parent
UPSTREAM = SUPPORT / "mcp_upstream.py"
RAW_UPSTREAM = SUPPORT / "mcp_raw_upstream.py"
REPO = SUPPORT.parents[1]
# Where scripts/test.sh installs the npm reference server (packaging/npm/package.json pins it).
NPM_DIR = REPO / ".cache" / "npm"
FILESYSTEM_SERVER = NPM_DIR / "node_modules" / "@modelcontextprotocol" / "server-filesystem" \
    / "dist" / "index.js"


def upstream_command(script: Path = UPSTREAM) -> list[str]:
    return [sys.executable, str(script)]


def wrap_args(name: str, command: list[str] | None = None, *extra: str) -> list[str]:
    return ["mcp", "wrap", "--name", name, *extra, "--", *(command or upstream_command())]


@asynccontextmanager
async def gateway_session(exe: list[str], env: dict[str, str], args: list[str], *,
                          read_timeout: float = 60, cwd: Path | None = None,
                          **session_options: Any) -> AsyncIterator[ClientSession]:
    """An initialized legacy-era session with `approvald <args>` (a gateway) as the server,
    started in `cwd`."""
    params = StdioServerParameters(command=exe[0], args=[*exe[1:], *args], env=env, cwd=cwd)
    errlog_path = Path(env["APPROVALD_HOME"]) / "gateway-stderr.log"
    with errlog_path.open("a") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(
                read, write, read_timeout_seconds=read_timeout, **session_options) as session:
            await session.initialize()
            yield session


def text_of(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def gateway_log(home: Path, name: str) -> str:
    path = home / "log" / "mcp" / f"{name}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def write_policy(home: Path, text: str, name: str = "test.yaml") -> None:
    directory = home / "policies"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def http_upstream(env: dict[str, str], script: Path = UPSTREAM) -> Iterator[str]:
    """The upstream `script` (the SDK's, by default) on streamable HTTP (loopback); yields its
    URL."""
    port = free_port()
    proc = subprocess.Popen([*upstream_command(script), "http", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError("the HTTP upstream exited") from None
                time.sleep(0.05)
        else:
            raise AssertionError("the HTTP upstream did not listen in 30 s")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(10)


def filesystem_server() -> list[str] | None:
    """`node .../server-filesystem/dist/index.js` when scripts/test.sh installed it."""
    node = shutil.which("node")
    if node is None or not FILESYSTEM_SERVER.is_file():
        return None
    return [node, str(FILESYSTEM_SERVER)]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
