from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from approvald.audit import AuditLog
from approvald.paths import get_paths

pytestmark = pytest.mark.e2e


def _run(exe: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*exe, "audit", *args], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ))


def _write(n: int, max_bytes: int = 10_000_000) -> Path:
    directory = get_paths().audit
    with AuditLog(directory, max_bytes=max_bytes) as log:
        for i in range(n):
            log.append({"event": "decision", "decision": "DENY" if i % 2 else "ALLOW",
                        "summary": f"rm -rf build{i}", "reason": "r"})
        log.append({"event": "approval.requested", "approval_id": "ap_x",
                    "summary": "curl -H 'Authorization: Bearer sekret-123' https://x.io"})
    return directory


def test_empty_home_verifies_ok(approvald_home: Path, approvald_exe: list[str]) -> None:
    done = _run(approvald_exe, "verify", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ok": True, "records": 0, "file": None, "line": None,
                                       "message": "no audit log yet"}
    assert _run(approvald_exe, "tail").stdout == ""


def test_verify_tail_and_tamper(approvald_home: Path, approvald_exe: list[str]) -> None:
    directory = _write(5)
    done = _run(approvald_exe, "verify")
    assert done.returncode == 0 and "6 records" in done.stdout

    done = _run(approvald_exe, "tail", "--json", "-n", "3")
    assert done.returncode == 0
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["seq"] for r in records] == [4, 5, 6]
    assert "sekret-123" not in done.stdout and "[REDACTED:authorization]" in done.stdout

    human = _run(approvald_exe, "tail").stdout.splitlines()
    assert len(human) == 7 and human[0].split() == ["time", "event", "outcome", "by", "what"]
    assert "decision" in human[2] and "DENY" in human[2] and "rm -rf build1" in human[2]
    assert "policy" in human[2]  # who decided

    active = directory / "audit.jsonl"
    lines = active.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("build2", "build9")
    active.write_text("".join(lines), encoding="utf-8")

    done = _run(approvald_exe, "verify")
    assert done.returncode == 1
    assert f"{active} line 3" in done.stdout and "altered" in done.stdout
    result = json.loads(_run(approvald_exe, "verify", "--json").stdout)
    assert result["ok"] is False and result["file"] == str(active) and result["line"] == 3


def test_deleted_rotated_file_fails_verify(approvald_home: Path,
                                           approvald_exe: list[str]) -> None:
    directory = _write(30, max_bytes=1200)
    assert _run(approvald_exe, "verify").returncode == 0
    (directory / "audit.2.jsonl").unlink()
    done = _run(approvald_exe, "verify")
    assert done.returncode == 1 and "audit.2.jsonl" in done.stdout
