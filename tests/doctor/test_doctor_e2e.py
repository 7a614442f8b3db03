"""End to end through the real `approvald` console script: doctor, install, doctor, uninstall."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.doctor import machine

pytestmark = pytest.mark.e2e
TIMEOUT_S = 60
UNGUARDED = "claude-code/unguarded-tools/"


def run(exe: list[str], args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["HOME"] = str(home)
    env["USERPROFILE"] = str(home)
    env.pop("CLAUDE_CONFIG_DIR", None)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return subprocess.run([*exe, *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=TIMEOUT_S)


def doctor(exe: list[str], home: Path, project: Path) -> tuple[int, list[dict[str, Any]]]:
    proc = run(exe, ["doctor", "--json", "--project", str(project)], home, project)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    for f in findings:
        assert {"severity", "agent", "file", "title", "detail", "fix"} <= set(f), f
        assert f["severity"] in ("high", "medium", "low", "info") and f["fix"]
    return proc.returncode, findings


def unguarded(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f["id"].startswith(UNGUARDED)]


def test_install_clears_the_unguarded_finding_and_uninstall_brings_it_back(
    tmp_path: Path, approvald_exe: list[str]
) -> None:
    m = machine("claude-plain", tmp_path)
    code, findings = doctor(approvald_exe, m.home, m.project)
    assert code == 1
    [finding] = unguarded(findings)
    assert finding["severity"] == "high" and "approvald install claude-code" in finding["fix"]
    assert not [f for f in findings if f["severity"] == "high" and f is not finding], findings

    install = run(approvald_exe, ["install", "claude-code", "--scope", "project",
                                  "--project", str(m.project)], m.home, m.project)
    assert install.returncode == 0, install.stderr
    code, findings = doctor(approvald_exe, m.home, m.project)
    assert unguarded(findings) == [], findings
    assert not [f for f in findings if f["agent"] == "claude-code" and
                f["severity"] == "high"], findings
    assert code == 0, findings

    uninstall = run(approvald_exe, ["uninstall", "claude-code", "--scope", "project",
                                    "--project", str(m.project)], m.home, m.project)
    assert uninstall.returncode == 0, uninstall.stderr
    code, findings = doctor(approvald_exe, m.home, m.project)
    assert code == 1 and len(unguarded(findings)) == 1


def test_messy_machine_exits_1_and_never_crashes(tmp_path: Path,
                                                 approvald_exe: list[str]) -> None:
    for name in ("claude-malformed", "claude-windows", "codex-bad-toml", "gemini-dev"):
        m = machine(name, tmp_path)
        code, findings = doctor(approvald_exe, m.home, m.project)
        assert code == 1, (name, findings)
    m = machine("claude-windows", tmp_path / "again")
    _, findings = doctor(approvald_exe, m.home, m.project)
    assert any("C:\\Users\\dev\\AppData\\Roaming\\Python\\Python312\\Scripts\\approvald.exe"
               in f["title"] for f in findings)


def test_human_output_groups_by_severity_with_fixes(tmp_path: Path,
                                                   approvald_exe: list[str]) -> None:
    m = machine("claude-unguarded", tmp_path)
    proc = run(approvald_exe, ["doctor", "--project", str(m.project)], m.home, m.project)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert out.index("\nHIGH") < out.index("\nMEDIUM")
    assert "fix: approvald install claude-code" in out
    assert "Bash(git push:*)" in out


def test_clean_machine_exits_0_and_bad_usage_2(tmp_path: Path,
                                                approvald_exe: list[str]) -> None:
    m = machine("empty", tmp_path)
    code, findings = doctor(approvald_exe, m.home, m.project)
    assert code == 0 and all(f["severity"] in ("info", "low") for f in findings), findings
    proc = run(approvald_exe, ["doctor", "--project", str(tmp_path / "nope")], m.home, m.home)
    assert proc.returncode == 2 and "not a directory" in proc.stderr
