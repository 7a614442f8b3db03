"""The live path: edit a watched config file, a `findings` event arrives within 2 s."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from approvald.daemon.doctor_watch import DoctorWatch, start_doctor_watch
from approvald.doctor import SystemRoots
from approvald.paths import get_paths
from tests.doctor.helpers import machine

LIVE_DEADLINE_S = 2.0


class FakeEvents:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._cond = threading.Condition()

    def publish(self, type: str, data: dict[str, Any]) -> None:
        with self._cond:
            self.events.append((type, data))
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.events) >= count, timeout)


class FakeCtx:
    def __init__(self) -> None:
        self.events = FakeEvents()
        self.paths = get_paths()


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[FakeCtx, DoctorWatch, Any]]:
    m = machine("claude-hooked", tmp_path)
    ctx = FakeCtx()
    watch = start_doctor_watch(ctx, m.home, m.project, roots=SystemRoots.none())
    try:
        assert ctx.events.wait_for(1, 10.0), "no initial findings event"
        yield ctx, watch, m
    finally:
        watch.stop()


def _ids(data: dict[str, Any]) -> set[str]:
    return {f["id"] for f in data["findings"]}


def test_initial_scan_is_published(watched: tuple[FakeCtx, DoctorWatch, Any]) -> None:
    ctx, watch, _ = watched
    kind, data = ctx.events.events[0]
    assert kind == "findings"
    assert not any(f["severity"] == "high" for f in data["findings"]), data
    assert _ids(data) == {f.id for f in watch.findings}


def test_editing_a_watched_file_publishes_within_2s(
    watched: tuple[FakeCtx, DoctorWatch, Any],
) -> None:
    ctx, _, m = watched
    settings = m.project / ".claude" / "settings.local.json"
    start = time.monotonic()
    settings.write_text(json.dumps({"permissions": {"defaultMode": "bypassPermissions"}}))
    assert ctx.events.wait_for(2, LIVE_DEADLINE_S), "no findings event within 2 s"
    elapsed = time.monotonic() - start
    _, data = ctx.events.events[1]
    [bypass] = [f for f in data["findings"] if f["id"].startswith("claude-code/bypass-mode/")]
    assert bypass["severity"] == "high" and bypass["file"] == str(settings)
    assert bypass["id"] in data["added"] and [h["id"] for h in data["new_high"]] == [bypass["id"]]
    print(f"edit -> findings event: {elapsed * 1000:.0f} ms")

    settings.unlink()  # the fix: the finding goes away, also live
    assert ctx.events.wait_for(3, LIVE_DEADLINE_S), "no event after the fix"
    _, data = ctx.events.events[2]
    assert bypass["id"] in data["removed"] and bypass["id"] not in _ids(data)


def test_a_new_config_dir_is_picked_up(watched: tuple[FakeCtx, DoctorWatch, Any]) -> None:
    ctx, _, m = watched
    (m.home / ".cursor").mkdir()
    (m.home / ".cursor" / "mcp.json").write_text(json.dumps(
        {"mcpServers": {"cmd": {"command": "npx", "args": ["-y", "mcp-server-commands"]}}}
    ))
    deadline = time.monotonic() + LIVE_DEADLINE_S + 1.0
    while time.monotonic() < deadline:
        if any(f["id"].startswith("cursor/mcp-shell/") for _, d in ctx.events.events
               for f in d["findings"]):
            return
        time.sleep(0.05)
    pytest.fail(f"no cursor finding arrived: {ctx.events.events[-1]}")


def test_unrelated_files_do_not_publish(watched: tuple[FakeCtx, DoctorWatch, Any]) -> None:
    ctx, watch, m = watched
    (m.home / ".bash_history").write_text("ls\n")
    (m.project / "README.md").write_text("hi\n")
    # an unchanged rewrite of a watched file rescans but must not publish
    settings = m.home / ".claude" / "settings.json"
    settings.write_text(settings.read_text())
    time.sleep(0.8)
    assert len(ctx.events.events) == 1
    assert watch.rescan() is False


def test_threadsafe_bus_is_preferred(tmp_path: Path) -> None:
    calls: list[str] = []

    class Bus:
        def publish(self, type: str, data: dict[str, Any]) -> None:
            calls.append("publish")

        def publish_threadsafe(self, type: str, data: dict[str, Any]) -> None:
            calls.append("threadsafe")

    class Ctx:
        events = Bus()
        paths = get_paths()

    m = machine("empty", tmp_path)
    watch = DoctorWatch(Ctx(), m.home, m.project, roots=SystemRoots.none())
    assert watch.rescan() is True
    assert calls == ["threadsafe"]


def test_a_broken_policy_edit_is_a_live_finding(
    watched: tuple[FakeCtx, DoctorWatch, Any],
) -> None:
    ctx, _, _ = watched
    ctx.paths.policies.mkdir(parents=True, exist_ok=True)
    (ctx.paths.policies / "team.yaml").write_text("rules:\n  - id: x\n    decision: [oops\n")
    deadline = time.monotonic() + LIVE_DEADLINE_S + 1.0
    while time.monotonic() < deadline:
        if any(f["id"].startswith("approvald/policy-broken/") for _, d in ctx.events.events
               for f in d["findings"]):
            return
        time.sleep(0.05)
    pytest.fail("the broken policy did not show up on the event stream")
