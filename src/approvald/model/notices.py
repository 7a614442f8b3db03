"""What a notification says when a request waits for a person: who asks, in which project,
for what. One wording for the dashboard's desktop notification and the daemon's webhook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_BODY = 300


def project_name(cwd: Any) -> str:
    """The folder a request runs in, as a person calls the project ("" when unknown)."""
    if not isinstance(cwd, str) or not cwd.strip("/\\"):
        return ""
    return cwd.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]


def approval_notice(approval: Mapping[str, Any]) -> tuple[str, str]:
    """(title, body) for a pending approval (its JSON, docs/API.md)."""
    agent = str(approval.get("agent") or "an agent")
    where = project_name(approval.get("cwd"))
    title = f"approvald: {agent} asks in {where}" if where else f"approvald: {agent} asks"
    summary = " ".join(str(approval.get("summary") or "").split())
    body = summary if len(summary) <= MAX_BODY else summary[:MAX_BODY - 1] + "…"
    if approval.get("high_risk"):
        body = f"[high risk] {body}"
    return title, body
