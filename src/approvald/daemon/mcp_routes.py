"""The daemon's routes for the MCP gateway (docs/API.md, "The MCP gateway").

Agent side (a gateway runs as the agent's child, so these need no operator token):
- `POST /v1/mcp/pins/observe` records what an upstream offers and answers each tool's status;
  it can add pins and withhold tools, never accept a definition;
- `POST /v1/mcp/report` records what a gateway found or refused (`mcp.injection`,
  `mcp.refused`) in the audit log and on the event stream;
- `POST /v1/redact` redacts a JSON value with everything this daemon knows, leased values
  included, so a gateway can clean upstream results without ever holding those values.
Operator side: `GET /v1/mcp/pins`, `POST /v1/mcp/pins/accept`.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from approvald.daemon.http import ApiError, context, read_json, require_operator, string_field
from approvald.model import events
from approvald.model.decisions import OPERATOR_SURFACES
from approvald.redaction import redact_obj
from approvald.storage.pins import PinError, SeenTool

MAX_PINS_BODY = 8 * 1024 * 1024
MAX_REPORT_BODY = 64 * 1024
MAX_TOOLS = 2000
MAX_FINDINGS = 20
_TEXT_LIMIT = 300
_REPORT_FIELDS = {"server": 128, "tool": 128, "where": 32, "action": 32, "method": 64,
                  "reason": 500, "session_id": 128, "cwd": 4096, "upstream": 1024}


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def findings_of(value: Any) -> tuple[dict[str, Any], ...]:
    """A gateway's findings, kept to their small known fields."""
    if not isinstance(value, list):
        return ()
    kept: list[dict[str, Any]] = []
    for item in value[:MAX_FINDINGS]:
        if isinstance(item, dict) and isinstance(item.get("kind"), str):
            kept.append({"kind": item["kind"][:64],
                         "excerpt": _text(item.get("excerpt"), _TEXT_LIMIT) or "",
                         "field": _text(item.get("field"), _TEXT_LIMIT) or ""})
    return tuple(kept)


def _seen_tools(value: Any) -> list[SeenTool]:
    if not isinstance(value, list) or len(value) > MAX_TOOLS:
        raise ApiError(400, f"field 'tools' must list at most {MAX_TOOLS} tools")
    tools = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
                or not isinstance(item.get("definition"), dict):
            raise ApiError(400, "each tool must be {\"name\", \"definition\", \"findings\"?}")
        definition = {**item["definition"], "name": item["name"]}
        tools.append(SeenTool(item["name"], definition, findings_of(item.get("findings"))))
    return tools


async def observe_pins(request: Request) -> Response:
    doc = await read_json(request, MAX_PINS_BODY)
    server = string_field(doc, "server", required=True) or ""
    upstream = (string_field(doc, "upstream") or "")[:1024]
    hold = doc.get("hold_flagged", True)
    if not isinstance(hold, bool):
        raise ApiError(400, "field 'hold_flagged' must be true or false")
    tools = _seen_tools(doc.get("tools"))
    book = context(request).pins

    def work() -> list[dict[str, Any]]:
        pins = book.observe(server, upstream, tools, hold_flagged=hold)
        return [{"tool": p.tool, "status": p.status, "digest": p.digest} for p in pins]
    try:
        return JSONResponse({"server": server, "tools": await run_in_threadpool(work)})
    except PinError as exc:
        raise ApiError(400, str(exc)) from exc


async def list_pins(request: Request) -> Response:
    require_operator(request)
    server = request.query_params.get("server") or None
    pins = await run_in_threadpool(context(request).pins.pins, server)
    return JSONResponse({"pins": [p.to_json() for p in pins]})


async def accept_pins(request: Request) -> Response:
    require_operator(request)
    doc = await read_json(request, MAX_REPORT_BODY)
    server = string_field(doc, "server", required=True) or ""
    tool = string_field(doc, "tool")
    by = doc.get("by", "cli")
    if by not in OPERATOR_SURFACES:
        raise ApiError(400, f"field 'by' must be one of {', '.join(OPERATOR_SURFACES)}")

    def work() -> list[dict[str, Any]]:
        return [p.to_json() for p in context(request).pins.accept(server, tool, by=by)]
    return JSONResponse({"accepted": await run_in_threadpool(work)})


async def report(request: Request) -> Response:
    doc = await read_json(request, MAX_REPORT_BODY)
    event = doc.get("event")
    if event not in events.MCP_GATEWAY_REPORTS:
        raise ApiError(400, f"field 'event' must be one of {', '.join(events.MCP_GATEWAY_REPORTS)}")
    record: dict[str, Any] = {"event": event}
    for key, limit in _REPORT_FIELDS.items():
        value = _text(doc.get(key), limit)
        if value is not None:
            record[key] = value
    if "findings" in doc:
        record["findings"] = list(findings_of(doc["findings"]))
    context(request).report({**record, "via": "gateway"}, event, record)
    return JSONResponse({"recorded": event})


async def redact(request: Request) -> Response:
    doc = await read_json(request)
    if "value" not in doc:
        raise ApiError(400, "give the JSON to redact as 'value'")
    value = await run_in_threadpool(redact_obj, doc["value"])
    return JSONResponse({"value": value}, headers={"Cache-Control": "no-store"})


def routes() -> list[BaseRoute]:
    return [
        Route("/v1/mcp/pins/observe", observe_pins, methods=["POST"]),
        Route("/v1/mcp/pins", list_pins, methods=["GET"]),
        Route("/v1/mcp/pins/accept", accept_pins, methods=["POST"]),
        Route("/v1/mcp/report", report, methods=["POST"]),
        Route("/v1/redact", redact, methods=["POST"]),
    ]
