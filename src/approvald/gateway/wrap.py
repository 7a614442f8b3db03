"""`approvald mcp wrap`: one gateway process, put together and served on stdio."""

from __future__ import annotations

import os
import secrets
from typing import Any

import anyio

from approvald.gateway.config import POLICY, gateway_settings
from approvald.gateway.guard import CallGuard
from approvald.gateway.judge import Judge
from approvald.gateway.link import DaemonLink
from approvald.gateway.pins import PinKeeper
from approvald.gateway.proxy import Gateway
from approvald.gateway.run import (
    log,
    log_file,
    resolve_leases,
    session_id,
    setup_logging,
    stdio_streams,
    stop_on_signals,
)
from approvald.gateway.upstream import UpstreamSpec, connect
from approvald.paths import Paths
from approvald.settings import safe_load_settings


async def serve(paths: Paths, server: str, spec: UpstreamSpec, *, agent: str) -> None:
    settings = gateway_settings(safe_load_settings().gateway)
    errlog = setup_logging(log_file(paths, server))
    for problem in settings.problems:
        log.warning("config.toml: %s", problem)
    link = DaemonLink(paths)
    # One agent session per gateway process unless the environment names one: approving "for
    # the session" then covers this MCP connection.
    session = session_id() or f"gw-{secrets.token_hex(6)}"
    try:
        spec = await resolve_leases(link, spec)
        keeper = PinKeeper(link, paths, server, spec.describe(),
                           hold_flagged=settings.holds_flagged_tools, session_id=session)
        gateway = Gateway(CallGuard(server=server, settings=settings, link=link,
                                    judge=Judge(link, paths), keeper=keeper, agent=agent,
                                    session_id=session, cwd=os.getcwd()))
        log.info("starting: %s (session %s)", spec.describe(), session)
        sampling = gateway.on_sampling if settings.sampling == POLICY else None
        async with connect(spec, errlog=errlog, message_handler=gateway.on_upstream_message,
                           sampling_callback=sampling) as upstream:
            gateway.upstream = upstream
            async with anyio.create_task_group() as tasks:
                gateway._tasks = tasks
                tasks.start_soon(stop_on_signals, tasks.cancel_scope.cancel)
                tasks.start_soon(gateway.watch_withheld)
                mcp_server = gateway.build_server()
                options: Any = gateway.initialization_options(mcp_server)
                async with stdio_streams() as (read, write):
                    await mcp_server.run(read, write, options)
                tasks.cancel_scope.cancel()
        log.info("stopped")
    finally:
        await link.aclose()
