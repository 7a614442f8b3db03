"""The live path: edit a watched config file, a `findings` event arrives within 2 s."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from approvald.daemon.doctor_watch import DoctorWatch
from approvald.daemon.watch import FileWatcher
from approvald.doctor import SystemRoots
from approvald.paths import get_paths
from tests.support.doctor import machine

LIVE_DEADLINE_S = 2.0


@pytest.fixture(autouse=True)
def _own_home(approvald_home: Path) -> Path:
    """approvald's config and policies come from the test's own home, never the user's."""
    return approvald_home


class FakeEvents:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._cond = threading.Condition()

    def publish_threadsafe(self, type: str, data: dict[str, Any]) -> None:
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
def watcher() -> Iterator[FileWatcher]:
    files = FileWatcher()
    files.start()
    yield files
    files.stop()


@pytest.fixture
def watched(tmp_path: Path, watcher: FileWatcher) -> Iterator[tuple[FakeCtx, DoctorWatch, Any]]:
    m = machine("claude-hooked", tmp_path)
    ctx = FakeCtx()
    watch = DoctorWatch(ctx, watcher, m.home, m.project, roots=SystemRoots.none()).start()
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
    watch = DoctorWatch(Ctx(), FileWatcher(), m.home, m.project, roots=SystemRoots.none())
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


# -- projects learned from decisions -------------------------------------------------------

def _bypass_in(data: dict[str, Any], settings: Path) -> bool:
    return any(f["id"].startswith("claude-code/bypass-mode/") and f["file"] == str(settings)
               for f in data["findings"])


def _wait_event(ctx: FakeCtx, after: int, predicate: Any, timeout: float) -> dict[str, Any]:
    """The first event past index `after` matching predicate, within timeout."""
    deadline = time.monotonic() + timeout
    while True:
        for _, data in ctx.events.events[after:]:
            if predicate(data):
                return data
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"no matching findings event within {timeout} s: "
                        f"{ctx.events.events[-1][1]['findings']}")
        ctx.events.wait_for(len(ctx.events.events) + 1, min(left, 0.1))


def test_add_project_scans_and_watches_it(
    watched: tuple[FakeCtx, DoctorWatch, Any], tmp_path: Path,
) -> None:
    ctx, watch, _ = watched
    project = tmp_path / "work" / "api"
    (project / ".git").mkdir(parents=True)
    (project / ".claude").mkdir()
    settings = project / ".claude" / "settings.json"
    settings.write_text(json.dumps({"permissions": {"defaultMode": "bypassPermissions"}}))
    before = len(ctx.events.events)
    assert not _bypass_in(ctx.events.events[-1][1], settings)

    start = time.monotonic()
    assert watch.add_project(project) is True
    data = _wait_event(ctx, before, lambda d: _bypass_in(d, settings), LIVE_DEADLINE_S)
    print(f"add_project -> findings event: {(time.monotonic() - start) * 1000:.0f} ms")
    assert project in watch.projects
    assert watch.add_project(project) is False  # known: no second scan
    # the user-level and start-project findings are still there, each once
    ids = [f["id"] for f in data["findings"]]
    assert len(ids) == len(set(ids))
    assert {f.id for f in watch.findings} == set(ids)

    # editing the learned project's file later publishes again (the fix removes it)
    before = len(ctx.events.events)
    settings.write_text(json.dumps({"permissions": {"defaultMode": "default"}}))
    data = _wait_event(ctx, before, lambda d: not _bypass_in(d, settings), LIVE_DEADLINE_S)
    assert any(i.startswith("claude-code/bypass-mode/") for i in data["removed"])
    # and breaking it again is seen again (the watch stays)
    before = len(ctx.events.events)
    settings.write_text(json.dumps({"permissions": {"defaultMode": "bypassPermissions"}}))
    _wait_event(ctx, before, lambda d: _bypass_in(d, settings), LIVE_DEADLINE_S)


def test_a_new_project_config_dir_is_picked_up(
    watched: tuple[FakeCtx, DoctorWatch, Any], tmp_path: Path,
) -> None:
    ctx, watch, _ = watched
    project = tmp_path / "fresh"
    (project / ".git").mkdir(parents=True)
    assert watch.add_project(project)
    time.sleep(0.5)  # its (clean) scan
    before = len(ctx.events.events)
    (project / ".claude").mkdir()  # a directory that did not exist when it was added
    settings = project / ".claude" / "settings.local.json"
    settings.write_text(json.dumps({"permissions": {"defaultMode": "bypassPermissions"}}))
    _wait_event(ctx, before, lambda d: _bypass_in(d, settings), LIVE_DEADLINE_S + 1.0)


def test_project_cap_drops_the_least_recently_seen(tmp_path: Path) -> None:
    m = machine("empty", tmp_path)
    ctx = FakeCtx()
    watch = DoctorWatch(ctx, FileWatcher(), m.home, None, roots=SystemRoots.none(), max_projects=2)
    projects = []
    for name in ("a", "b", "c"):
        p = tmp_path / name
        (p / ".claude").mkdir(parents=True)
        (p / ".claude" / "settings.json").write_text(
            json.dumps({"permissions": {"defaultMode": "bypassPermissions"}}))
        projects.append(p)
    a, b, c = projects
    assert watch.add_project(a) and watch.add_project(b)
    assert watch.add_project(a) is False  # seen again: now b is the least recent
    assert watch.add_project(c) is True
    assert sorted(watch.projects) == sorted([a, c])
    watch.rescan()
    files = {f.file for f in watch.findings if f.id.startswith("claude-code/bypass-mode/")}
    assert files == {str(a / ".claude" / "settings.json"), str(c / ".claude" / "settings.json")}
    assert watch.add_project(b) is True  # it can come back, pushing out a
    assert sorted(watch.projects) == sorted([b, c])
    watch.stop()


def test_decisions_cwds_teach_the_projects(tmp_path: Path) -> None:
    m = machine("empty", tmp_path)
    ctx = FakeCtx()
    watch = DoctorWatch(ctx, FileWatcher(), m.home, None, roots=SystemRoots.none())
    root = tmp_path / "repo"
    deep = root / "src" / "pkg"
    deep.mkdir(parents=True)
    (root / ".git").mkdir()
    try:
        watch.saw_cwd(str(deep))
        watch.saw_cwd(str(m.home))  # the home is user level, not a project
        watch.saw_cwd(str(tmp_path / "missing"))
        watch.saw_cwd("relative/dir")
        deadline = time.monotonic() + 5
        while root not in watch.projects and time.monotonic() < deadline:
            time.sleep(0.02)
        assert watch.projects == [root]
        watch.saw_cwd(str(deep))  # a known cwd: nothing new
        assert watch.projects == [root]
    finally:
        watch.stop()


def test_project_root_walk(tmp_path: Path) -> None:
    from approvald.projects import project_root

    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    plain = home / "scratch" / "x"
    plain.mkdir(parents=True)
    repo = home / "code" / "r"
    (repo / "lib").mkdir(parents=True)
    (repo / ".mcp.json").write_text("{}")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert project_root(str(repo / "lib"), home) == repo
    assert project_root(str(repo), home) == repo
    # the home's own .claude does not make the home a project root
    assert project_root(str(plain), home) == plain
    assert project_root(str(home), home) is None
    assert project_root(str(outside), home) == outside
    assert project_root(str(tmp_path / "nope"), home) is None
    assert project_root("", home) is None
