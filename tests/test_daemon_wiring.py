"""The real daemon serves the credential routes and the live doctor findings."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from approvald.client import DaemonClient
from tests.test_daemon_e2e import RunningDaemon

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
