"""The real daemon serves the credential routes and the live doctor findings."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from approvald.wire.client import DaemonClient
from tests.support.daemon import RunningDaemon

pytestmark = pytest.mark.e2e


def test_daemon_serves_leases_and_findings(approvald_exe, approvald_home: Path,
                                           tmp_path: Path) -> None:
    fake_user = tmp_path / "user"
    (fake_user / ".claude").mkdir(parents=True)
    # A user settings file with bypass mode: the live doctor must report it.
    (fake_user / ".claude" / "settings.json").write_text(
        json.dumps({"permissions": {"defaultMode": "bypassPermissions"}}))
    daemon = RunningDaemon(approvald_exe, approvald_home, HOME=str(fake_user)).start()
    try:
        client = DaemonClient(daemon.paths, timeout=5)
        assert client.call("GET", "/v1/leases")["leases"] == []
        deadline = time.monotonic() + 10
        titles: list[str] = []
        while time.monotonic() < deadline:
            snapshot = client.call("GET", "/v1/findings")
            titles = [f["title"] for f in snapshot["findings"]]
            if snapshot["watching"] and any("bypass" in t.lower() for t in titles):
                break
            time.sleep(0.2)
        assert any("bypass" in t.lower() for t in titles), titles
    finally:
        assert daemon.stop() == 0, daemon.log()


def _bypass_files(client: DaemonClient) -> set[str]:
    snapshot = client.call("GET", "/v1/findings")
    return {f["file"] for f in snapshot["findings"]
            if f["id"].startswith("claude-code/bypass-mode/")}


def _until(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_daemon_watches_the_projects_its_decisions_come_from(
        approvald_exe, approvald_home: Path, tmp_path: Path) -> None:
    fake_user = tmp_path / "user"
    fake_user.mkdir()
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / "src").mkdir()
    settings = project / ".claude" / "settings.json"
    daemon = RunningDaemon(approvald_exe, approvald_home, HOME=str(fake_user)).start()
    try:
        client = DaemonClient(daemon.paths, timeout=5)
        assert _until(lambda: client.call("GET", "/v1/findings")["watching"], 10)
        assert str(settings) not in _bypass_files(client)
        answer = client.call("POST", "/v1/decide", {"action": {
            "kind": "process.exec", "tool": "Bash", "session_id": "s",
            "cwd": str(project / "src"), "input": {"command": "ls"}}})
        assert answer["decision"] == "ALLOW"
        settings.parent.mkdir()
        settings.write_text(json.dumps({"permissions": {"defaultMode": "bypassPermissions"}}))
        assert _until(lambda: str(settings) in _bypass_files(client), 10), \
            client.call("GET", "/v1/findings")
        # still watched afterwards: the fix is seen live too
        settings.write_text(json.dumps({"permissions": {"defaultMode": "default"}}))
        assert _until(lambda: str(settings) not in _bypass_files(client), 10), daemon.log()
    finally:
        daemon.ensure_stopped()
        assert daemon.proc is not None and daemon.proc.returncode == 0, daemon.log()
