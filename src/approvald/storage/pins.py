"""MCP tool pins (`mcp_pins`): per server and tool, the accepted definition and, while a tool is
withheld, the definition last seen (approvald.model.pins).

`observe` compares what an upstream offers now with the pins inside one IMMEDIATE transaction
and says what changed: the daemon and a gateway working without it may observe the same server
at once. Only a person's `accept` moves a withheld definition into the pin.

`PinBook` is the use case over the store, shared by the daemon (its routes; a reporter that
writes the audit log and publishes events) and a gateway or CLI working without a daemon (a
reporter that writes the audit log only): every change is recorded the same way.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from approvald.model import events
from approvald.model.pins import (
    CHANGED,
    FLAGGED,
    MAX_SERVER_NAME,
    MAX_TOOL_NAME,
    PINNED,
    Pin,
    definition_digest,
    pinned_definition,
)
from approvald.model.records import pin_record
from approvald.storage.database import Database

_COLUMNS = ("server, tool, status, digest, definition, seen_digest, seen_definition, findings, "
            "upstream, first_seen, updated_at, accepted_at, accepted_by")


class PinError(ValueError):
    """A server or tool name the pins cannot hold (one sentence)."""


@dataclass(frozen=True)
class SeenTool:
    """One tool as an upstream offers it now, with what the injection scan found in it."""

    name: str
    definition: dict[str, Any]
    findings: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class PinChange:
    event: str  # one of approvald.model.events.MCP_PIN_EVENTS
    pin: Pin
    later: bool = False  # an added tool on a server that already had pins


def check_name(kind: str, name: str, limit: int) -> str:
    if not isinstance(name, str) or not name or len(name) > limit or any(
            ord(c) < 0x20 for c in name):
        raise PinError(f"an MCP {kind} name must be 1 to {limit} printable characters")
    return name


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


def _dumps(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _pin(row: tuple[Any, ...]) -> Pin:
    (server, tool, status, digest, definition, seen_digest, seen_definition, findings, upstream,
     first_seen, updated_at, accepted_at, accepted_by) = row
    return Pin(server=server, tool=tool, status=status, digest=digest,
               definition=_loads(definition), seen_digest=seen_digest,
               seen_definition=_loads(seen_definition),
               findings=tuple(_loads(findings) or ()), upstream=upstream,
               first_seen=first_seen, updated_at=updated_at, accepted_at=accepted_at,
               accepted_by=accepted_by)


class PinStore:
    def __init__(self, database: Database):
        self.database = database

    def observe(self, server: str, upstream: str, tools: Sequence[SeenTool], *,
                hold_flagged: bool, now: float) -> tuple[list[Pin], list[PinChange]]:
        """Compare `tools` with the pins; record new tools and changed definitions. Returns
        every observed tool's pin (in the order given) and what changed."""
        check_name("server", server, MAX_SERVER_NAME)
        for tool in tools:
            check_name("tool", tool.name, MAX_TOOL_NAME)
        pins: list[Pin] = []
        changes: list[PinChange] = []
        with self.database.transaction() as conn:
            rows = {row[1]: _pin(row) for row in conn.execute(
                f"SELECT {_COLUMNS} FROM mcp_pins WHERE server = ?", (server,))}
            had_pins = bool(rows)
            for tool in tools:
                definition = pinned_definition(tool.definition)
                digest = definition_digest(definition)
                old = rows.get(tool.name)
                if old is None:
                    pin, change = self._first(conn, server, upstream, tool, definition, digest,
                                              hold_flagged, now)
                    changes.append(PinChange(change, pin, later=had_pins))
                elif digest == old.digest:
                    pin = old
                    if old.status != PINNED:  # the upstream went back to what was accepted
                        conn.execute("UPDATE mcp_pins SET status = ?, seen_digest = NULL, "
                                     "seen_definition = NULL, findings = '[]', updated_at = ? "
                                     "WHERE server = ? AND tool = ?",
                                     (PINNED, now, server, tool.name))
                        pin = _pin(conn.execute(f"SELECT {_COLUMNS} FROM mcp_pins WHERE "
                                                "server = ? AND tool = ?",
                                                (server, tool.name)).fetchone())
                elif digest == old.seen_digest:
                    pin = old  # already withheld for this very definition
                else:
                    status = CHANGED if old.digest is not None else FLAGGED
                    conn.execute("UPDATE mcp_pins SET status = ?, seen_digest = ?, "
                                 "seen_definition = ?, findings = ?, upstream = ?, "
                                 "updated_at = ? WHERE server = ? AND tool = ?",
                                 (status, digest, _dumps(definition), _dumps(list(tool.findings)),
                                  upstream, now, server, tool.name))
                    pin = _pin(conn.execute(f"SELECT {_COLUMNS} FROM mcp_pins WHERE server = ? "
                                            "AND tool = ?", (server, tool.name)).fetchone())
                    changes.append(PinChange(
                        events.MCP_PIN_CHANGED if status == CHANGED else events.MCP_PIN_FLAGGED,
                        pin))
                pins.append(pin)
        return pins, changes

    @staticmethod
    def _first(conn: Any, server: str, upstream: str, tool: SeenTool,
               definition: dict[str, Any], digest: str, hold_flagged: bool,
               now: float) -> tuple[Pin, str]:
        flagged = bool(tool.findings) and hold_flagged
        pin = Pin(server=server, tool=tool.name, status=FLAGGED if flagged else PINNED,
                  digest=None if flagged else digest,
                  definition=None if flagged else definition,
                  seen_digest=digest if flagged else None,
                  seen_definition=definition if flagged else None,
                  findings=tuple(tool.findings), upstream=upstream, first_seen=now,
                  updated_at=now)
        conn.execute(f"INSERT INTO mcp_pins ({_COLUMNS}) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                     (pin.server, pin.tool, pin.status, pin.digest, _dumps(pin.definition),
                      pin.seen_digest, _dumps(pin.seen_definition), _dumps(list(pin.findings)),
                      upstream, now, now))
        return pin, events.MCP_PIN_FLAGGED if flagged else events.MCP_PIN_ADDED

    def pins(self, server: str | None = None) -> list[Pin]:
        query = f"SELECT {_COLUMNS} FROM mcp_pins"
        args: tuple[Any, ...] = ()
        if server is not None:
            query += " WHERE server = ?"
            args = (server,)
        with self.database.reading() as conn:
            rows = conn.execute(query + " ORDER BY server, tool", args).fetchall()
        return [_pin(row) for row in rows]

    def accept(self, server: str, tool: str | None = None, *, by: str,
               now: float) -> list[Pin]:
        """Make the withheld definitions of `server` (or of its one `tool`) the pins."""
        query = f"SELECT {_COLUMNS} FROM mcp_pins WHERE server = ? AND status != ?"
        args: tuple[Any, ...] = (server, PINNED)
        if tool is not None:
            query += " AND tool = ?"
            args += (tool,)
        accepted: list[Pin] = []
        with self.database.transaction() as conn:
            for row in conn.execute(query, args).fetchall():
                old = _pin(row)
                conn.execute("UPDATE mcp_pins SET status = ?, digest = seen_digest, "
                             "definition = seen_definition, seen_digest = NULL, "
                             "seen_definition = NULL, findings = '[]', updated_at = ?, "
                             "accepted_at = ?, accepted_by = ? WHERE server = ? AND tool = ?",
                             (PINNED, now, now, by, server, old.tool))
                accepted.append(_pin(conn.execute(
                    f"SELECT {_COLUMNS} FROM mcp_pins WHERE server = ? AND tool = ?",
                    (server, old.tool)).fetchone()))
        return accepted


Report = Callable[[dict[str, Any], "str | None", "dict[str, Any] | None"], None]


class PinBook:
    """Observe and accept pins, recording every change with `report(record, event, data)`."""

    def __init__(self, store: PinStore, report: Report,
                 clock: Callable[[], float] = time.time):
        self.store = store
        self._report = report
        self._clock = clock

    def observe(self, server: str, upstream: str, tools: Sequence[SeenTool], *,
                hold_flagged: bool, **extra: Any) -> list[Pin]:
        pins, changes = self.store.observe(server, upstream, tools, hold_flagged=hold_flagged,
                                           now=self._clock())
        for change in changes:
            more = {"later": True} if change.later else {}
            self._report(pin_record(change.event, change.pin, **more, **extra), change.event,
                         {**change.pin.to_json(), **more})
        return pins

    def accept(self, server: str, tool: str | None, *, by: str, **extra: Any) -> list[Pin]:
        accepted = self.store.accept(server, tool, by=by, now=self._clock())
        for pin in accepted:
            self._report(pin_record(events.MCP_PIN_ACCEPTED, pin, accepted_by=by, **extra),
                         events.MCP_PIN_ACCEPTED, pin.to_json())
        return accepted

    def pins(self, server: str | None = None) -> list[Pin]:
        return self.store.pins(server)
