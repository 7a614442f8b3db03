"""`approvald mcp serve`: governed built-in tools, for setups where the MCP boundary is the only
path (the agent's native tools turned off).

Each tool call is the action its native counterpart would be, under the same policy:
`run_command` a `process.exec` (the shell analysis), `read_file` an `fs.read`, `write_file` an
`fs.write` (the content is part of the action: an approval admits exactly that write), and
`http_request` a `net.http` (redirects are not followed: the next host was not judged). The
tool name is `mcp__NAME__TOOL`, as the agent sees it. Results go through the same cap,
redaction and injection check as a wrapped server's (`approvald.gateway.guard`).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp import MCPError
from mcp.server.lowlevel import Server

from approvald import __version__
from approvald.gateway.config import gateway_settings
from approvald.gateway.guard import CallGuard, Progress, error_result, guarded
from approvald.gateway.judge import Judge
from approvald.gateway.link import DaemonLink
from approvald.gateway.pins import PinKeeper
from approvald.gateway.run import (
    log,
    log_file,
    session_id,
    setup_logging,
    stdio_streams,
    stop_on_signals,
)
from approvald.model.actions import Action, ActionError
from approvald.model.kinds import FS_READ, FS_WRITE, NET_HTTP, PROCESS_EXEC
from approvald.paths import Paths
from approvald.settings import safe_load_settings

COMMAND_TIMEOUT_S = 120.0
MAX_COMMAND_TIMEOUT_S = 3600.0
HTTP_TIMEOUT_S = 30.0
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

TOOLS = [types.Tool.model_validate(tool, by_name=False) for tool in (
    {"name": "run_command",
     "description": "Run a shell command in the working directory and return its output "
                    "(stdout and stderr together) and exit code. approvald's policy decides "
                    "each command; some wait for a person's approval.",
     "inputSchema": {"type": "object", "required": ["command"], "properties": {
         "command": {"type": "string", "description": "The shell command line."},
         "timeout_s": {"type": "number", "description": "Seconds before the command is "
                                                       "stopped (default 120)."}}}},
    {"name": "read_file", "description": "Read a text file.",
     "annotations": {"readOnlyHint": True},
     "inputSchema": {"type": "object", "required": ["path"], "properties": {
         "path": {"type": "string", "description": "Absolute, or relative to the working "
                                                   "directory."}}}},
    {"name": "write_file", "description": "Write a text file (created or replaced).",
     "inputSchema": {"type": "object", "required": ["path", "content"], "properties": {
         "path": {"type": "string"}, "content": {"type": "string"}}}},
    {"name": "http_request",
     "description": "Make one HTTP request and return the status and body. Redirects are "
                    "returned, not followed.",
     "inputSchema": {"type": "object", "required": ["url"], "properties": {
         "url": {"type": "string"},
         "method": {"type": "string", "enum": list(METHODS)},
         "headers": {"type": "object", "additionalProperties": {"type": "string"}},
         "body": {"type": "string"}}}},
)]


def _text(text: str, error: bool = False) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": error}


def _string(arguments: dict[str, Any], key: str, default: str | None = None) -> str:
    value = arguments.get(key, default)
    if not isinstance(value, str):
        raise ActionError(f"argument {key!r} must be a string")
    return value


class BuiltinTools:
    def __init__(self, guard: CallGuard):
        self.guard = guard
        self.limit = guard.settings.max_result_bytes
        self.runners: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]],
                                      Callable[[Action, dict[str, Any]], Any]]] = {
            "run_command": (PROCESS_EXEC, lambda a: {"command": _string(a, "command")},
                            self.run_command),
            "read_file": (FS_READ, lambda a: {"path": _string(a, "path")}, self.read_file),
            "write_file": (FS_WRITE, lambda a: {"path": _string(a, "path"),
                                                "content": _string(a, "content")},
                           self.write_file),
            "http_request": (NET_HTTP, self._http_input, self.http_request),
        }

    @staticmethod
    def _http_input(arguments: dict[str, Any]) -> dict[str, Any]:
        method = _string(arguments, "method", "GET").upper()
        if method not in METHODS:
            raise ActionError(f"method must be one of {', '.join(METHODS)}")
        headers = arguments.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str)
                                                    for v in headers.values()):
            raise ActionError("headers must map names to strings")
        found = {"url": _string(arguments, "url"), "method": method, "headers": headers}
        if "body" in arguments:
            found["body"] = _string(arguments, "body")
        return found

    async def list_tools(self, ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=TOOLS)

    async def call_tool(self, ctx: Any, params: types.CallToolRequestParams
                        ) -> types.CallToolResult:
        entry = self.runners.get(params.name)
        if entry is None:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {params.name}")
        kind, make_input, runner = entry
        arguments = dict(params.arguments or {})
        try:
            tool_input = make_input(arguments)
            action = self.guard.action(kind, params.name, tool_input)
        except ActionError as exc:
            return error_result(f"approvald: {exc}")
        progress = Progress(ctx)
        ruling = await self.guard.rule(progress, action)
        if not ruling.allowed:
            return error_result(ruling.text)
        try:
            raw = await runner(action, arguments)
        except OSError as exc:
            raw = _text(f"{params.name} failed: {exc.strerror or exc}", error=True)
        return await self.guard.deliver(
            params.name, raw, ruling, progress,
            lambda extra: self.guard.action(kind, params.name, {**tool_input, **extra}))

    # -- the tools --------------------------------------------------------------------------

    async def run_command(self, action: Action, arguments: dict[str, Any]) -> dict[str, Any]:
        timeout = arguments.get("timeout_s", COMMAND_TIMEOUT_S)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            timeout = COMMAND_TIMEOUT_S
        timeout = min(float(timeout), MAX_COMMAND_TIMEOUT_S)
        assert action.command is not None
        proc = await asyncio.create_subprocess_shell(
            action.command, cwd=action.cwd or None, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=sys.platform != "win32")
        assert proc.stdout is not None
        output = bytearray()
        timed_out = False
        with anyio.move_on_after(timeout) as scope:
            while len(output) <= self.limit:
                chunk = await proc.stdout.read(65536)
                if not chunk:
                    break
                output += chunk
            else:  # past the cap: nobody will read the rest
                _stop(proc)
            await proc.wait()
        if scope.cancelled_caught:
            timed_out = True
            _stop(proc)
            await proc.wait()
        text = output.decode("utf-8", "replace")
        if timed_out:
            return _text(f"{text}\n[stopped after {timeout:g} s]", error=True)
        return _text(f"{text}\n[exit code {proc.returncode}]", error=proc.returncode != 0)

    async def read_file(self, action: Action, arguments: dict[str, Any]) -> dict[str, Any]:
        path = Path(action.paths[0])

        def read() -> bytes:
            with path.open("rb") as fh:
                return fh.read(self.limit + 1)
        data = await anyio.to_thread.run_sync(read)
        return _text(data.decode("utf-8", "replace"))

    async def write_file(self, action: Action, arguments: dict[str, Any]) -> dict[str, Any]:
        path = Path(action.paths[0])
        content = _string(arguments, "content")
        await anyio.to_thread.run_sync(lambda: path.write_text(content, encoding="utf-8"))
        return _text(f"wrote {len(content.encode('utf-8'))} bytes to {path}")

    async def http_request(self, action: Action, arguments: dict[str, Any]) -> dict[str, Any]:
        import httpx

        tool_input = action.input
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S, follow_redirects=False) as client:
            request = client.build_request(tool_input["method"], tool_input["url"],
                                           headers=tool_input.get("headers") or {},
                                           content=tool_input.get("body"))
            try:
                response = await client.send(request, stream=True)
            except httpx.HTTPError as exc:
                return _text(f"the request failed: {exc}", error=True)
            try:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self.limit:
                        break
            finally:
                await response.aclose()
        where = response.headers.get("location")
        head = f"HTTP {response.status_code} {response.reason_phrase}"
        if where:
            head += f"\nLocation: {where} (not followed)"
        return _text(f"{head}\n\n{body.decode('utf-8', 'replace')}",
                     error=response.status_code >= 400)


def _stop(proc: asyncio.subprocess.Process) -> None:
    """The command and whatever it started."""
    if proc.returncode is not None:
        return
    try:
        if sys.platform != "win32":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


async def serve(paths: Paths, name: str, *, agent: str) -> None:
    settings = gateway_settings(safe_load_settings().gateway)
    setup_logging(log_file(paths, name))
    link = DaemonLink(paths)
    session = session_id() or f"gw-{secrets.token_hex(6)}"
    guard = CallGuard(server=name, settings=settings, link=link, judge=Judge(link, paths),
                      keeper=PinKeeper(link, paths, name, "approvald mcp serve",
                                       hold_flagged=settings.holds_flagged_tools,
                                       session_id=session),
                      agent=agent, session_id=session, cwd=os.getcwd())
    tools = BuiltinTools(guard)
    server: Server[Any] = Server(
        name, version=__version__,
        instructions="Every tool call here is checked by approvald's policy; some wait for a "
                     "person's approval, and refusals say why.",
        on_list_tools=guarded(tools.list_tools), on_call_tool=guarded(tools.call_tool))
    server.middleware = []
    log.info("serving built-in tools as %r (session %s)", name, session)
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(stop_on_signals, tasks.cancel_scope.cancel)
            async with stdio_streams() as (read, write):
                await server.run(read, write, server.create_initialization_options())
            tasks.cancel_scope.cancel()
    finally:
        await link.aclose()
