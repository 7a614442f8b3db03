"""The dashboard's Sessions tab: live sessions, their mode and process, the agent's own prompts
waiting, settings changes approvald blocked (against a fake daemon)."""

from __future__ import annotations

from typing import Any

from approvald_tui.app import ApprovalsApp
from tests.support.tui import (
    NOW,
    PROJECT,
    SESSION,
    FakeDaemonClient,
    NotifierSpy,
    approval,
    iso,
    make_app,
    until,
)


def _session(session_id: str = SESSION, mode: str = "default", **extra: Any) -> dict[str, Any]:
    return {"session_id": session_id, "agent": "claude-code", "project": PROJECT, "cwd": PROJECT,
            "permission_mode": mode, "agent_pid": 31337, "started_at": iso(NOW),
            "last_seen": iso(NOW), "source": "startup", "model": None, **extra}


def _row(app: ApprovalsApp, session_id: str = SESSION) -> list[str]:
    return [str(cell) for cell in app.sessions.get_row(session_id)]


async def _connected(pilot, app: ApprovalsApp) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: app.state.connected, what="connection")
    await pilot.pause()


async def test_sessions_load_follow_and_end() -> None:
    client = FakeDaemonClient()
    client.sessions_list = [_session()]
    app = make_app(client)
    async with app.run_test(size=(140, 36)) as pilot:
        await _connected(pilot, app)
        assert _row(app)[:6] == ["claude-code", SESSION[:8], "webshop", "default", "31337",
                                 "09:30:00"]
        client.push({"type": "session.updated", "ts": iso(NOW), **_session(mode="auto")})
        await until(pilot, lambda: _row(app)[3] == "auto")
        client.push({"type": "session.started", "ts": iso(NOW),
                     **_session("second-session-0000", source="seen")})
        await until(pilot, lambda: app.sessions.row_count == 2)
        client.push({"type": "session.ended", "ts": iso(NOW), "session_id": SESSION,
                     "reason": "logout", "expired": []})
        await until(pilot, lambda: list(app.sessions.sessions) == ["second-session-0000"])
        await pilot.press("7")
        assert app.active_tab() == "sessions" and app.focused is app.sessions


async def test_the_agents_own_prompts_are_counted_on_their_session() -> None:
    prompt = approval(7, "rm -rf node_modules", rules=("agent-permission-prompt",),
                      reason="Claude Code asks for permission")
    client = FakeDaemonClient(pending=[prompt, approval(8, "git push origin main")])
    client.sessions_list = [_session()]
    app = make_app(client)
    async with app.run_test(size=(140, 36)) as pilot:
        await _connected(pilot, app)
        assert _row(app)[6] == "1"  # the policy's own approval is not the agent's prompt
        # Answered here like any approval (a), it leaves the count.
        await pilot.press("a")
        await until(pilot, lambda: _row(app)[6] == "-")
        assert client.calls == [("approve", "ap_0007", "once")]


async def test_a_blocked_settings_change_alerts_and_stays_on_its_session() -> None:
    spy = NotifierSpy()
    client = FakeDaemonClient()
    client.sessions_list = [_session()]
    app = make_app(client, notifier=spy)
    async with app.run_test(size=(140, 36)) as pilot:
        await _connected(pilot, app)
        client.push({"type": "config.changed", "ts": iso(NOW), "agent": "claude-code",
                     "session_id": SESSION, "source": "user_settings",
                     "file": "/home/dev/.claude/settings.json", "blocked": False, "reasons": []})
        client.push({"type": "config.changed", "ts": iso(NOW), "agent": "claude-code",
                     "session_id": SESSION, "source": "project_settings",
                     "file": PROJECT + "/.claude/settings.json", "blocked": True,
                     "reasons": ["disableAllHooks turns every hook off, approvald's included"]})
        await until(pilot, lambda: spy.calls, what="an alert")
        assert spy.calls == [("approvald: settings change blocked",
                              f"blocked a change to {PROJECT}/.claude/settings.json: "
                              "disableAllHooks turns every hook off, approvald's included")]
        assert _row(app)[7].startswith("blocked 1: disableAllHooks")
