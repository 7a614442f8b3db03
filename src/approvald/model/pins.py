"""MCP tool pins: the definition of each upstream tool a person trusts (rug-pull defence).

The MCP gateway pins the first definition it sees of every tool a server offers. A tool whose
definition later differs is withheld from the agent until a person accepts the new one; a tool
whose first definition already carries prompt-injection findings may be withheld the same way
(`flagged`, nothing accepted yet).

What is pinned is what reaches the model or steers the host: name, title, description, input
and output schema, annotations (hosts auto-approve on `readOnlyHint`). Icons, `_meta` and
`execution` are left out: they change without changing what a tool claims to do. The digest is
`sha256:` over the canonical JSON of that subset (the same canonical form as fingerprints).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from approvald.model.actions import fingerprint
from approvald.model.clock import iso

PINNED_FIELDS = ("name", "title", "description", "inputSchema", "outputSchema", "annotations")

PINNED = "pinned"  # the definition seen is the accepted one: the tool is offered
CHANGED = "changed"  # it differs from the accepted one: withheld until accepted
FLAGGED = "flagged"  # first seen with injection findings, nothing accepted yet: withheld
STATUSES = (PINNED, CHANGED, FLAGGED)

MAX_SERVER_NAME = 128
MAX_TOOL_NAME = 128


def pinned_definition(tool: Mapping[str, Any]) -> dict[str, Any]:
    """The pinned part of a tool as the agent would see it (camelCase wire keys)."""
    return {key: tool[key] for key in PINNED_FIELDS if tool.get(key) is not None}


def definition_digest(definition: Mapping[str, Any]) -> str:
    return fingerprint(pinned_definition(definition))


@dataclass(frozen=True)
class Pin:
    server: str
    tool: str
    status: str
    digest: str | None  # the accepted definition's (None while flagged)
    definition: dict[str, Any] | None
    seen_digest: str | None  # the withheld definition's, when it differs from the accepted
    seen_definition: dict[str, Any] | None
    findings: tuple[dict[str, Any], ...] = ()
    upstream: str = ""
    first_seen: float = 0.0
    updated_at: float = 0.0
    accepted_at: float | None = None
    accepted_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def offered(self) -> bool:
        """Whether the agent may see and call it."""
        return self.status == PINNED

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "tool": self.tool,
            "name": f"mcp__{self.server}__{self.tool}",
            "status": self.status,
            "digest": self.digest,
            "definition": self.definition,
            "seen_digest": self.seen_digest,
            "seen_definition": self.seen_definition,
            "findings": list(self.findings),
            "upstream": self.upstream,
            "first_seen": iso(self.first_seen),
            "updated_at": iso(self.updated_at),
            "accepted_at": iso(self.accepted_at),
            "accepted_by": self.accepted_by,
        }


def definition_lines(definition: Mapping[str, Any] | None) -> list[str]:
    """A definition as lines a person can compare: one field per block, schemas indented."""
    if not definition:
        return []
    import json

    lines: list[str] = []
    for key in PINNED_FIELDS:
        if key not in definition:
            continue
        value = definition[key]
        if isinstance(value, str):
            lines += [f"{key}:", *(f"  {line}" for line in value.splitlines() or [""])]
        else:
            text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
            lines += [f"{key}:", *(f"  {line}" for line in text.splitlines())]
    return lines


def definition_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    """A unified diff (without headers) from the accepted definition to the one seen."""
    import difflib

    return [line for line in difflib.unified_diff(definition_lines(old),
                                                  definition_lines(new), lineterm="", n=2)
            if not line.startswith(("---", "+++"))]
