"""An agent's permission prompt approved in approvald answers `allow` only once the approval's
record is on disk; when it is not, approvald gives no decision and the agent's own dialog asks.
In process, with the real audit writer over a sink whose writes wait for the test."""

from __future__ import annotations

from typing import Any

import pytest

from approvald.agents import get_agent
from approvald.agents.base import EventAnswer
from approvald.audit.background import AuditWriter
from approvald.daemon import decisions, prompts
from approvald.daemon.context import DaemonContext
from approvald.paths import get_paths
from tests.support.audit import GatedSink
from tests.support.daemon import approved_in_process, make_context
from tests.support.payloads import claude_permission_request


async def _approved(ctx: DaemonContext) -> EventAnswer:
    payload = claude_permission_request("Bash", {"command": "make deploy"})
    return await approved_in_process(
        ctx, prompts.ask(ctx, get_agent("claude-code"), payload, payload))


async def test_a_prompt_is_allowed_only_once_its_record_is_on_disk(
        approvald_home: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decisions, "AUDIT_WAIT_S", 0.2)
    sink = GatedSink()
    writer = AuditWriter(sink)
    ctx = make_context(get_paths(), audit=writer)
    try:
        answer = await _approved(ctx)  # the audit log does not answer in time
        assert answer.permission is None
        sink.gate.set()
        answer = await _approved(ctx)
        assert answer.permission == "allow"
    finally:
        sink.gate.set()
        writer.close()
        ctx.database.close()
