"""The dashboard (headless, Textual's pilot) against a real daemon over its Unix socket.

Checks the real client end to end (token, SSE, approvals API) and measures how long a new
pending approval takes from the daemon creating it to the dashboard's table.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest

from approvald.paths import get_paths
from approvald.wire.aclient import AsyncDaemonClient
from approvald_tui.app import ApprovalsApp
from approvald_tui.model import parse_ts
from approvald_tui.screens.proposal import ProposalScreen, render_proposal
from tests.support.daemon import RunningDaemon
from tests.support.payloads import claude_permission_request
from tests.support.tui import (
    NotifierSpy,
    ask_hook,
    hook_answer,
    plain_text,
    push_payload,
    until,
)

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(sys.platform == "win32", reason="Unix socket daemon")]


async def test_pending_arrives_by_push_and_a_approves_it(
        daemon: RunningDaemon, approvald_exe: list[str], project: Path) -> None:
    paths = get_paths()
    client = AsyncDaemonClient(paths.socket, paths.token_file)
    spy = NotifierSpy()
    app = ApprovalsApp(client, tz=timezone.utc, notifier=spy, backoff=(0.1, 0.5))
    hooks: list[subprocess.Popen[str]] = []
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: app.state.connected, timeout=10, what="connection")
            assert app.state.status.get("policy_hash", "").startswith("sha256:")
            latencies = []
            for round_ in range(3):
                hooks.append(await asyncio.to_thread(
                    ask_hook, approvald_exe, push_payload(project, str(uuid.uuid4())),
                    project))
                await until(pilot, lambda: app.pending.row_count == 1, timeout=15,
                            what="the pending push")
                arrived = time.time()
                approval = app.pending.selected()
                assert approval is not None and approval["summary"] == "git push origin main"
                created = parse_ts(approval["created_at"])
                assert created is not None
                latencies.append(arrived - created.timestamp())
                # One notification per new request (the live doctor may add warnings of its
                # own about the temp project: those are not counted here).
                asked = [c for c in spy.calls
                         if c[0] == f"approvald: claude-code asks in {project.name}"]
                assert len(asked) == round_ + 1 and asked[-1][1] == "git push origin main"
                await pilot.press("a")
                answer = await asyncio.to_thread(hook_answer, hooks[-1])
                assert answer["permissionDecision"] == "allow", answer
                await until(pilot, lambda: app.pending.row_count == 0, what="removal")
            print("\ncreated -> on the dashboard: " + ", ".join(
                f"{s * 1000:.0f} ms" for s in latencies))
            assert min(latencies) < 1.0  # the goal is 100 ms; CI machines are shared
            await until(pilot, lambda: app.history.row_count == 3, what="history")
            await until(pilot, lambda: any("ASKED" in str(app.activity.get_row_at(i)[1])
                                           for i in range(app.activity.row_count)),
                        what="the decision in activity")
    finally:
        for hook in hooks:
            if hook.poll() is None:
                hook.kill()
    audit = paths.audit_file.read_text(encoding="utf-8").splitlines()
    decided = [json.loads(line) for line in audit if '"approval.decided"' in line]
    assert decided and all(r.get("decided_by") == "dashboard" for r in decided)


async def test_a_on_claude_codes_own_prompt_answers_with_both_rules(
        daemon: RunningDaemon, approvald_exe: list[str], project: Path) -> None:
    """Issue 15: Claude Code's own permission prompt in the dashboard; A shows the rule (and the
    one Claude Code keeps), enter writes approvald's and the hook hands Claude Code its own."""
    command = "npm run build"
    payload = json.dumps(claude_permission_request(
        "Bash", {"command": command, "description": "build it"}, session=str(uuid.uuid4()),
        cwd=str(project)))
    paths = get_paths()
    app = ApprovalsApp(AsyncDaemonClient(paths.socket, paths.token_file), tz=timezone.utc,
                       notifier=NotifierSpy(), backoff=(0.1, 0.5))
    hook = await asyncio.to_thread(ask_hook, approvald_exe, payload, project,
                                   "PermissionRequest")
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: app.pending.row_count == 1, what="the prompt")
            approval = app.pending.selected()
            assert approval is not None and approval["rules"] == ["agent-permission-prompt"]
            await until(pilot, lambda: approval["id"] in app.explained, what="the proposal")
            await pilot.press("A")
            await until(pilot, lambda: isinstance(app.screen, ProposalScreen),
                        what="the proposal screen")
            screen = app.screen
            assert isinstance(screen, ProposalScreen)
            shown = plain_text(render_proposal(screen.summary, screen.proposal), width=200)
            assert f"allow {command} in" in shown
            assert f"Claude Code keeps Bash({command}) in .claude/settings.local.json" in shown
            await pilot.press("enter")
            answer: Any = await asyncio.to_thread(hook_answer, hook)
            assert answer["decision"] == {"behavior": "allow", "updatedPermissions": [
                {"type": "addRules", "rules": [{"toolName": "Bash", "ruleContent": command}],
                 "behavior": "allow", "destination": "localSettings"}]}
            await until(pilot, lambda: app.pending.row_count == 0, what="removal")
    finally:
        if hook.poll() is None:
            hook.kill()
    written = (paths.policies / "approved.yaml").read_text(encoding="utf-8")
    assert f"cwd: {project}" in written and "args_exact: [run, build]" in written
