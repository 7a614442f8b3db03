"""What every governed tool call goes through, whoever serves the tool (`approvald mcp wrap`'s
upstream or `approvald mcp serve`'s built-ins): the decision, with keep-alive progress while a
person decides, and the result's cap, redaction and prompt-injection check.

- The result is capped first (a clear error past `max_result_kb`), then redacted here (shapes
  and this process's leased values) and, when the daemon said it knows leased values, by the
  daemon too; if that is impossible the result is withheld, never passed on unchecked.
- Findings in a result follow the `injection` setting: warn (recorded, delivered), withhold
  (an error), ask (a person decides through the same approvals: rule `mcp-injection`). The
  agent never reads the suspicious text in a refusal, only which kinds were found.
- If redaction changed the structured content and it no longer fits the tool's output schema,
  the redacted text goes back as an error result (the agent's SDK would reject it otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import mcp_types as types
from mcp import MCPError
from pydantic import ValidationError

from approvald.gateway import results, scan
from approvald.gateway.config import ASK, WARN, WITHHOLD, GatewaySettings
from approvald.gateway.judge import Judge, Ruling
from approvald.gateway.link import DaemonLink
from approvald.gateway.pins import PinKeeper
from approvald.model.actions import Action, build_action, fingerprint
from approvald.model.kinds import MCP_CALL
from approvald.redaction import redact_text
from approvald.wire.errors import DaemonError

log = logging.getLogger("approvald.gateway")

KEEPALIVE_S = 5.0
INJECTION_RULE = "mcp-injection"
Handler = Callable[[Any, Any], Awaitable[Any]]


def guarded(handler: Handler) -> Handler:
    """MCPErrors pass (they are ours, or an upstream's redacted); anything else is logged and
    becomes a generic internal error (a raw exception text could carry a secret)."""
    async def run(ctx: Any, params: Any) -> Any:
        try:
            return await handler(ctx, params)
        except MCPError:
            raise
        except Exception:
            log.exception("handler for %s failed", getattr(ctx, "method", "?"))
            raise MCPError(types.INTERNAL_ERROR, "approvald gateway: internal error (details "
                                                 "are in the gateway's log)") from None
    return run


def error_result(text: str) -> types.CallToolResult:
    return types.CallToolResult.model_validate(results.error_result(text), by_name=False)


class Progress:
    """Progress for one call: the gateway's keep-alives while a person decides, then the
    tool's own, shifted so the values keep rising (the spec wants them increasing)."""

    def __init__(self, ctx: Any):
        self.ctx = ctx
        self.offset = 0.0
        meta = getattr(ctx, "meta", None) or {}  # the request's `_meta` (a TypedDict)
        self.wanted = meta.get("progress_token") is not None

    async def waiting(self) -> None:
        self.offset += 1
        await self.ctx.session.report_progress(self.offset, None,
                                               "waiting for a person's decision in approvald")

    async def forward(self, progress: float, total: float | None, message: str | None) -> None:
        await self.ctx.session.report_progress(
            self.offset + progress, None if total is None else self.offset + total,
            redact_text(message) if message else message)


class CallGuard:
    def __init__(self, *, server: str, settings: GatewaySettings, link: DaemonLink,
                 judge: Judge, keeper: PinKeeper, agent: str, session_id: str, cwd: str):
        self.server = server
        self.settings = settings
        self.link = link
        self.judge = judge
        self.keeper = keeper
        self.agent = agent
        self.session_id = session_id
        self.cwd = cwd

    def action(self, kind: str, tool: str, tool_input: dict[str, Any]) -> Action:
        """An action of this agent session, as the agent names the tool (`mcp__SERVER__TOOL`)."""
        return build_action(kind=kind, tool=f"mcp__{self.server}__{tool}",
                            tool_input=tool_input, agent=self.agent,
                            session_id=self.session_id, cwd=self.cwd)

    def mcp_action(self, tool: str, arguments: dict[str, Any],
                   extra: dict[str, Any] | None = None) -> Action:
        return self.action(MCP_CALL, tool, {"server": self.server, "tool": tool,
                                            "arguments": arguments, **(extra or {})})

    async def rule(self, progress: Progress, action: Action,
                   floor: dict[str, str] | None = None) -> Ruling:
        """The decision, with a keep-alive progress notification every few seconds meanwhile
        (agents that reset their timeout on progress keep waiting for the person)."""
        if not progress.wanted:  # the agent asked for no progress: nothing to keep alive
            return await self.judge.rule(action, floor)
        ruling: Ruling | None = None
        async with anyio.create_task_group() as tasks:
            async def beat() -> None:
                while True:
                    await anyio.sleep(KEEPALIVE_S)
                    await progress.waiting()
            tasks.start_soon(beat)
            try:
                ruling = await self.judge.rule(action, floor)
            finally:
                tasks.cancel_scope.cancel()
        assert ruling is not None
        return ruling

    async def deliver(self, tool: str, raw: dict[str, Any], ruling: Ruling,
                      progress: Progress, result_action: Callable[[dict[str, Any]], Action],
                      output_schema: Any = None) -> types.CallToolResult:
        """A tool's raw result, made fit for the agent. `result_action(extra)` is the action a
        person is asked about when the result has findings and the setting says ask."""
        result: dict[str, Any] = {k: raw[k] for k in ("content", "structuredContent", "isError")
                                  if k in raw}
        result.setdefault("content", [])
        too_large = results.too_large(result, self.settings.max_result_bytes)
        if too_large:
            return error_result(f"approvald: {too_large}")
        cleaned = results.redact_result(result)
        if ruling.known_values:
            try:
                cleaned = await results.redact_remotely(cleaned, self.link.client().redact)
            except (DaemonError, ValueError) as exc:
                return error_result(f"approvald: this result could not be checked for leased "
                                    f"values ({exc}), so it is withheld")
        findings = scan.scan_result(cleaned)
        if findings:
            refusal = await self._findings(tool, cleaned, findings, progress, result_action)
            if refusal is not None:
                return error_result(refusal)
        if cleaned.get("structuredContent") != result.get("structuredContent") \
                and not results.fits_output_schema(cleaned.get("structuredContent"),
                                                   output_schema):
            cleaned = results.as_error_with_text(cleaned, "approvald redacted secrets from "
                                                 "this result:")
        try:
            return types.CallToolResult.model_validate(cleaned, by_name=False)
        except ValidationError:
            return error_result(f"approvald: the MCP server {self.server!r} sent a malformed "
                                f"result for {tool!r}")

    async def _findings(self, tool: str, cleaned: dict[str, Any],
                        findings: list[dict[str, str]], progress: Progress,
                        result_action: Callable[[dict[str, Any]], Action]) -> str | None:
        """Apply the injection setting to a result; the refusal text, or None to deliver."""
        mode = self.settings.injection
        withheld = (f"approvald withheld this result of {self.server}.{tool}: it contains text "
                    f"aimed at the model ({scan.kinds(findings)})")
        outcome, refusal = "warned", None
        if mode == WITHHOLD:
            outcome, refusal = "withheld", withheld
        elif mode == ASK:
            action = result_action({"result": {"sha256": fingerprint({"result": cleaned}),
                                               "findings": [f["kind"] for f in findings]}})
            floor = {"rule": INJECTION_RULE,
                     "reason": f"The result of {self.server}.{tool} contains text aimed at the "
                               f"model ({scan.describe(findings)}); deliver it to the agent?"}
            ruling = await self.rule(progress, action, floor)
            outcome = "delivered after approval" if ruling.allowed else "withheld"
            if not ruling.allowed:
                # The ruling's own text quotes the finding to the person; the agent must not
                # read it, so only the outcome and the person's words go back.
                words = ruling.decision.get("decision_reason")
                refusal = f"{withheld}; {ruling.outcome}" + (f": {words}" if words else "")
        await self.keeper.report({"event": "mcp.injection", "tool": tool, "where": "result",
                                  "action": outcome, "findings": findings})
        return refusal if mode != WARN else None
