"""`approvald mcp wrap`: an MCP server for the agent in front of an upstream MCP server.

The agent's side is the SDK's low-level `Server` (both protocol eras on one stdio connection);
the upstream's side is `approvald.gateway.upstream`. Only the families the upstream declares
are offered (the low-level server derives its capabilities from its handlers).

- `tools/list`: every page upstream is read, each tool repaired where it can be (a schema
  without `"type"`) or dropped, scanned for prompt injection and checked against its pin; only
  pinned tools are offered. A withheld tool is polled until a person accepts it, and the agent
  is told (`list_changed`, both eras) when what is offered changes.
- `tools/call`: a tool not offered is refused; otherwise the call is an `mcp.call` action
  (`mcp__NAME__TOOL`, input `{server, tool, arguments}`) decided by the daemon or, with none,
  by the local policy (`approvald.gateway.judge`); while a person decides, progress
  notifications keep the agent's request alive. The result is capped, redacted and scanned
  (`approvald.gateway.results`, `scan`) before the agent sees it.
- resources, prompts, completions: forwarded, their results redacted.
- Nothing the agent sends is forwarded as is: parameters are rebuilt (a 2026 agent's `_meta`
  envelope would be refused by a handshake-era upstream), and every handler turns an unexpected
  failure into a generic error (a raw exception text could carry a secret).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import mcp_types as types
from mcp import MCPError
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.subscriptions import (
    InMemorySubscriptionBus,
    ListenHandler,
    PromptsListChanged,
    ResourcesListChanged,
    ResourceUpdated,
    ToolsListChanged,
)
from mcp_types.methods import validate_server_result
from pydantic import ValidationError

from approvald.gateway import scan
from approvald.gateway.config import WARN
from approvald.gateway.guard import CallGuard, Handler, Progress, error_result, guarded
from approvald.gateway.upstream import Upstream
from approvald.model.pins import CHANGED, FLAGGED, MAX_TOOL_NAME, PINNED, pinned_definition
from approvald.redaction import redact_obj, redact_text
from approvald.storage.pins import PinError, check_name

log = logging.getLogger("approvald.gateway")

# The protocol eras an agent may speak, with what each requires of a tools/list result.
_LISTING_ERAS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("2025-11-25", {}),
    ("2026-07-28", {"ttlMs": 0, "cacheScope": "private", "resultType": "complete"}))
SAMPLING = "sampling/createMessage"
WITHHELD_POLL_S = 2.0
LIST_TIMEOUT_S = 60.0
MAX_PAGES = 100


def repair_tool(raw: Any) -> dict[str, Any] | None:
    """The tool as the agent will see it, or None when it cannot be a tool at all."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        return None
    try:
        check_name("tool", raw["name"], MAX_TOOL_NAME)
    except PinError:
        log.warning("dropping upstream tool %r: not a name approvald can pin", raw["name"][:200])
        return None
    tool = dict(raw)
    schema = tool.get("inputSchema")
    if not isinstance(schema, dict):
        tool["inputSchema"] = {"type": "object"}
    elif "type" not in schema:
        tool["inputSchema"] = {"type": "object", **schema}
    try:
        model = types.Tool.model_validate(tool, by_name=False)
        dumped = model.model_dump(by_alias=True, mode="json", exclude_none=True)
        # As the agent's era will check it: one invalid tool would fail the whole listing.
        for version, extra in _LISTING_ERAS:
            validate_server_result("tools/list", version, {"tools": [dumped], **extra})
    except ValidationError as exc:
        log.warning("dropping upstream tool %r: %s", raw.get("name"), exc.errors()[:1])
        return None
    return dumped


def upstream_error(exc: MCPError) -> MCPError:
    """The upstream's JSON-RPC error, for the agent: same code, message redacted on one line
    (the SDK's own for an answer it cannot parse spans several), no data."""
    lines = (line.strip() for line in exc.message.splitlines())
    text = " ".join(line for line in lines if line and not line.startswith(_PYDANTIC_LINK))
    return MCPError(exc.code, redact_text(text))


_PYDANTIC_LINK = "For further information visit"


class Gateway:
    def __init__(self, guard: CallGuard):
        self.guard = guard
        self.server = guard.server
        self.settings = guard.settings
        self.keeper = guard.keeper
        self.upstream: Upstream | None = None
        self.offered: dict[str, types.Tool] = {}
        self.withheld: dict[str, str] = {}
        self._observed: list[tuple[str, dict[str, Any], list[dict[str, str]]]] = []
        self._output_schemas: dict[str, Any] = {}
        self._listed = False
        self._list_lock = anyio.Lock()
        self._legacy: Any = None  # the agent's session, once a handshake-era agent is ready
        self.bus = InMemorySubscriptionBus()
        self._tasks: Any = None

    # -- tools ----------------------------------------------------------------------------

    async def refresh_tools(self) -> bool:
        """List upstream, check pins; True when what is offered changed."""
        assert self.upstream is not None
        async with self._list_lock:
            raw_tools: list[Any] = []
            cursor = None
            for _ in range(MAX_PAGES):
                page = await self.upstream.request(
                    "tools/list", {"cursor": cursor} if cursor else None, timeout=LIST_TIMEOUT_S)
                tools = page.get("tools")
                raw_tools += tools if isinstance(tools, list) else []
                cursor = page.get("nextCursor")
                if not isinstance(cursor, str) or not cursor:
                    break
            seen: dict[str, dict[str, Any]] = {}
            for raw in raw_tools:
                tool = repair_tool(raw)
                if tool is not None and tool["name"] not in seen:
                    seen[tool["name"]] = tool
            observed = [(name, pinned_definition(tool), scan.scan_tool(tool))
                        for name, tool in seen.items()]
            statuses = await self.keeper.observe(observed) if observed else {}
            self._observed = observed
            self._output_schemas = {n: t.get("outputSchema") for n, t in seen.items()}
            return self._expose({n: types.Tool.model_validate(t, by_name=False)
                                 for n, t in seen.items()}, statuses)

    def _expose(self, tools: dict[str, types.Tool], statuses: dict[str, str]) -> bool:
        offered = {n: t for n, t in tools.items() if statuses.get(n) == PINNED}
        withheld = {n: statuses.get(n, "unknown") for n in tools if n not in offered}
        changed = self._listed and (offered.keys() != self.offered.keys() or any(
            offered[n] != self.offered[n] for n in offered))
        self.offered, self.withheld, self._listed = offered, withheld, True
        return changed

    async def recheck_withheld(self) -> bool:
        """Ask again about withheld tools (a person may have accepted them)."""
        if not self.withheld or not self._observed:
            return False
        async with self._list_lock:
            statuses = await self.keeper.observe(self._observed)
            accepted = [n for n in self.withheld if statuses.get(n) == PINNED]
            if not accepted:
                return False
        return await self.refresh_tools()

    async def tools_changed(self) -> None:
        """Tell the agent, in both eras."""
        if self._legacy is not None:
            try:
                await self._legacy.send_tool_list_changed()
            except Exception as exc:  # the agent may have gone
                log.info("could not send tools/list_changed: %s", exc)
        await self.bus.publish(ToolsListChanged())

    async def list_tools(self, ctx: Any, params: Any) -> types.ListToolsResult:
        if params is not None and params.cursor:
            return types.ListToolsResult(tools=[])  # everything fits in the first page
        await self.refresh_tools()
        return types.ListToolsResult(tools=list(self.offered.values()))

    async def call_tool(self, ctx: Any, params: types.CallToolRequestParams
                        ) -> types.CallToolResult:
        assert self.upstream is not None
        name, arguments = params.name, dict(params.arguments or {})
        if not self._listed:
            await self.refresh_tools()
        if name in self.withheld:
            return error_result(self._withheld_text(name))
        if name not in self.offered:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {name}")
        progress = Progress(ctx)
        ruling = await self.guard.rule(progress, self.guard.mcp_action(name, arguments))
        if not ruling.allowed:
            return error_result(ruling.text)
        try:
            raw = await self.upstream.request(
                "tools/call", {"name": name, "arguments": arguments},
                timeout=self.settings.call_timeout_s,
                on_progress=progress.forward if progress.wanted else None)
        except MCPError as exc:
            if exc.code == types.CONNECTION_CLOSED:
                return error_result(f"approvald: the upstream MCP server {self.server!r} is "
                                    "not running (it exited or closed its connection); "
                                    "restart it")
            if exc.code == types.REQUEST_TIMEOUT:
                return error_result(f"approvald: the upstream MCP server {self.server!r} did "
                                    f"not answer within {self.settings.call_timeout_s:g} s, so "
                                    "the call was cancelled")
            raise upstream_error(exc) from None
        return await self.guard.deliver(
            name, raw, ruling, progress,
            lambda extra: self.guard.mcp_action(name, arguments, extra),
            self._output_schemas.get(name))

    def _withheld_text(self, name: str) -> str:
        why = {CHANGED: "its definition changed since it was pinned",
               FLAGGED: "its description looks like a prompt injection"}.get(
                   self.withheld[name], "it is not pinned")
        return (f"approvald withheld the tool {name!r} of MCP server {self.server!r}: {why}. A "
                f"person must accept it first: `approvald mcp pins accept {self.server} {name}` "
                "(or in the dashboard).")

    # -- resources, prompts, completions ------------------------------------------------------

    async def _forward(self, method: str, params: dict[str, Any] | None,
                       result_type: Any) -> Any:
        assert self.upstream is not None
        try:
            raw = await self.upstream.request(method, params, timeout=LIST_TIMEOUT_S)
        except MCPError as exc:
            raise upstream_error(exc) from None
        raw.pop("_meta", None)
        try:
            return result_type.model_validate(redact_obj(raw), by_name=False)
        except ValidationError:
            raise MCPError(types.INTERNAL_ERROR, f"approvald: the upstream MCP server "
                                                 f"{self.server!r} sent a malformed answer to "
                                                 f"{method}") from None

    @staticmethod
    def _page(params: Any) -> dict[str, Any] | None:
        return {"cursor": params.cursor} if params is not None and params.cursor else None

    def handlers(self) -> dict[str, Any]:
        """The `Server(on_...=)` handlers for what the upstream declares."""
        assert self.upstream is not None
        caps = self.upstream.capabilities
        found: dict[str, Handler] = {}
        if caps.tools is not None:
            found.update(on_list_tools=self.list_tools, on_call_tool=self.call_tool)
        if caps.resources is not None:
            found.update(
                on_list_resources=lambda c, p: self._forward(
                    "resources/list", self._page(p), types.ListResourcesResult),
                on_list_resource_templates=lambda c, p: self._forward(
                    "resources/templates/list", self._page(p), types.ListResourceTemplatesResult),
                on_read_resource=lambda c, p: self._forward(
                    "resources/read", {"uri": str(p.uri)}, types.ReadResourceResult))
            if caps.resources.subscribe:
                found.update(
                    on_subscribe_resource=lambda c, p: self._forward(
                        "resources/subscribe", {"uri": str(p.uri)}, types.EmptyResult),
                    on_unsubscribe_resource=lambda c, p: self._forward(
                        "resources/unsubscribe", {"uri": str(p.uri)}, types.EmptyResult))
        if caps.prompts is not None:
            found.update(
                on_list_prompts=lambda c, p: self._forward(
                    "prompts/list", self._page(p), types.ListPromptsResult),
                on_get_prompt=lambda c, p: self._forward(
                    "prompts/get", {"name": p.name, **({"arguments": p.arguments}
                                                       if p.arguments else {})},
                    types.GetPromptResult))
        if caps.completions is not None:
            found.update(on_completion=lambda c, p: self._forward(
                "completion/complete", p.model_dump(by_alias=True, mode="json",
                                                    exclude_none=True,
                                                    exclude={"meta"}),
                types.CompleteResult))
        return {key: guarded(handler) for key, handler in found.items()}

    # -- requests from the upstream -----------------------------------------------------------

    async def on_sampling(self, context: Any, params: types.CreateMessageRequestParams) -> Any:
        """With `sampling = "policy"`: an upstream asking the agent's model is an action
        (`mcp__NAME__sampling/createMessage`); allowed, it goes to an agent that can sample
        (handshake era only: a 2026 agent has no channel for it), its answer redacted."""
        arguments = params.model_dump(by_alias=True, mode="json", exclude_none=True)
        ruling = await self.guard.judge.rule(self.guard.mcp_action(SAMPLING, arguments))
        agent = self._legacy
        capabilities = agent.client_capabilities if agent is not None else None
        why = None
        if not ruling.allowed:
            why = ruling.text
        elif capabilities is None or capabilities.sampling is None:
            why = "approvald: the agent cannot answer sampling requests"
        elif params.tools:
            why = "approvald: sampling with tools is not passed on"
        if why is not None:
            await self.keeper.report({"event": "mcp.refused", "method": SAMPLING,
                                      "reason": why})
            return types.ErrorData(code=types.INVALID_REQUEST, message=why)
        try:
            result = await agent.send_request(types.CreateMessageRequest(params=params),
                                              types.CreateMessageResult)
        except MCPError as exc:
            return types.ErrorData(code=exc.code, message=redact_text(exc.message))
        return types.CreateMessageResult.model_validate(
            redact_obj(result.model_dump(by_alias=True, mode="json", exclude_none=True)),
            by_name=False)

    # -- notifications from the upstream ------------------------------------------------------

    async def on_upstream_message(self, message: Any) -> None:
        """Runs in the upstream connection's reader: anything that talks to the upstream again
        is started as a task, never awaited here."""
        if isinstance(message, Exception):
            log.warning("the upstream sent something unreadable: %s", message)
            return
        note = getattr(message, "root", message)
        if isinstance(note, types.ToolListChangedNotification) and self._tasks is not None:
            self._tasks.start_soon(self._refresh_and_tell)
        elif isinstance(note, types.ResourceListChangedNotification):
            await self._tell(note, ResourcesListChanged())
        elif isinstance(note, types.PromptListChangedNotification):
            await self._tell(note, PromptsListChanged())
        elif isinstance(note, types.ResourceUpdatedNotification):
            await self._tell(types.ResourceUpdatedNotification(
                params=types.ResourceUpdatedNotificationParams(uri=note.params.uri)),
                ResourceUpdated(uri=str(note.params.uri)))
        elif isinstance(note, types.LoggingMessageNotification):
            log.info("upstream log (%s): %s", note.params.level,
                     redact_text(str(note.params.data))[:2000])

    async def _tell(self, notification: Any, event: Any) -> None:
        if self._legacy is not None:
            try:
                await self._legacy.send_notification(notification)
            except Exception as exc:
                log.info("could not forward %s: %s", type(notification).__name__, exc)
        await self.bus.publish(event)

    async def _refresh_and_tell(self) -> None:
        try:
            if await self.refresh_tools():
                await self.tools_changed()
        except Exception as exc:
            log.warning("re-listing tools after the upstream's list_changed failed: %s", exc)

    async def watch_withheld(self) -> None:
        while True:
            await anyio.sleep(WITHHELD_POLL_S)
            try:
                if await self.recheck_withheld():
                    await self.tools_changed()
            except Exception as exc:
                log.info("checking withheld tools failed: %s", exc)

    # -- the agent's side -------------------------------------------------------------------

    def build_server(self) -> Server[Any]:
        assert self.upstream is not None
        info = self.upstream.server_info
        instructions = self._instructions()
        server: Server[Any] = Server(
            info.name if info else self.server, version=info.version if info else "",
            instructions=instructions, on_subscriptions_listen=ListenHandler(self.bus),
            **self.handlers())
        server.middleware = []  # no tracing span per message: the gateway is on a hot path

        async def on_initialized(ctx: Any, params: Any) -> None:
            self._legacy = ctx.session
        server.add_notification_handler("notifications/initialized", types.NotificationParams,
                                        on_initialized)
        return server

    def _instructions(self) -> str | None:
        """The upstream's instructions reach the model too: scanned like a description."""
        assert self.upstream is not None
        text = self.upstream.instructions
        if not text:
            return None
        findings = scan.scan_text(text, description=True, field="instructions")
        if findings and self._tasks is not None:
            self._tasks.start_soon(self.keeper.report, {
                "event": "mcp.injection", "where": "instructions",
                "action": "warned" if self.settings.injection == WARN else "withheld",
                "findings": findings})
        return text if not findings or self.settings.injection == WARN else None

    def initialization_options(self, server: Server[Any]) -> Any:
        assert self.upstream is not None
        caps = self.upstream.capabilities
        return server.create_initialization_options(NotificationOptions(
            tools_changed=True,  # the gateway itself changes what it offers (pins)
            resources_changed=bool(caps.resources and caps.resources.list_changed),
            prompts_changed=bool(caps.prompts and caps.prompts.list_changed)))
