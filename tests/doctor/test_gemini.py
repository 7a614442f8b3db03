from __future__ import annotations

import json
from pathlib import Path

from approvald.doctor import SystemRoots
from tests.support.doctor import approvald_script, by_kind, machine, titles

A = "gemini"


def _roots(system: Path) -> SystemRoots:
    return SystemRoots(claude_managed_dirs=[], gemini_system_files=[system / "settings.json"])


def test_gemini_machine(tmp_path: Path) -> None:
    m = machine("gemini-dev", tmp_path)
    findings = m.scan(roots=_roots(m.system))
    [trust] = by_kind(findings, A, "mcp-trust")
    assert trust.severity == "high" and "'shell'" in trust.title and trust.line == 15
    assert [f.severity for f in by_kind(findings, A, "mcp-shell")] == ["high"]
    assert [f.severity for f in by_kind(findings, A, "mcp-cloud")] == ["medium"]
    [mode] = by_kind(findings, A, "bypass-mode")
    assert mode.severity == "medium" and "auto_edit" in mode.title
    [rule] = by_kind(findings, A, "allow-rule")
    assert "run_shell_command(git)" in rule.title
    assert by_kind(findings, A, "unreadable") == [], titles(findings)  # comments are fine
    [unguarded] = by_kind(findings, A, "unguarded-tools")
    assert unguarded.severity == "high"


def test_system_settings_yolo(tmp_path: Path) -> None:
    m = machine("gemini-dev", tmp_path)
    (m.system / "settings.json").write_text('{"general": {"defaultApprovalMode": "yolo"}}')
    [mode] = [f for f in by_kind(m.scan(roots=_roots(m.system)), A, "bypass-mode")
              if f.file.startswith(str(m.system))]
    assert mode.severity == "high"
    (m.system / "settings.json").write_text(
        '{"general": {"defaultApprovalMode": "yolo"}, "security": {"disableYoloMode": true}}'
    )
    [mode] = [f for f in by_kind(m.scan(roots=_roots(m.system)), A, "bypass-mode")
              if f.file.startswith(str(m.system))]
    assert mode.severity == "low"


def test_gemini_hook(tmp_path: Path) -> None:
    m = machine("gemini-dev", tmp_path)
    settings = {"hooks": {"BeforeTool": [{
        "matcher": "run_shell_command|write_file|replace",
        "hooks": [{"type": "command", "command": f"{approvald_script()} hook gemini"}],
    }]}}
    path = m.project / ".gemini" / "settings.json"
    path.write_text(json.dumps(settings))
    findings = m.scan(roots=_roots(m.system))
    assert by_kind(findings, A, "unguarded-tools") == []
    [short] = by_kind(findings, A, "hook-timeout")  # Gemini's default is 60 s
    assert short.severity == "high" and "310000" in short.fix
    settings["hooks"]["BeforeTool"][0]["hooks"][0]["timeout"] = 330000
    settings["hooksConfig"] = {"enabled": False}
    path.write_text(json.dumps(settings))
    findings = m.scan(roots=_roots(m.system))
    assert by_kind(findings, A, "hook-timeout") == []
    [off] = by_kind(findings, A, "unguarded-tools")
    assert "switched off" in off.detail
