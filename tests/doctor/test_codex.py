from __future__ import annotations

from pathlib import Path

import pytest

from approvald.doctor import hooks
from tests.support.doctor import by_kind, machine, titles

A = "codex"


def test_yolo_machine(tmp_path: Path) -> None:
    findings = machine("codex-yolo", tmp_path).scan()
    [bypass] = by_kind(findings, A, "bypass-mode")
    assert bypass.severity == "high" and bypass.line == 3
    assert 'approval_policy = "untrusted"' in bypass.fix
    [unguarded] = by_kind(findings, A, "unguarded-tools")
    assert unguarded.severity == "high"  # Codex never asks either
    profiles = by_kind(findings, A, "bypass-profile")
    assert [p.title for p in profiles] == ["Codex profile 'yolo' never asks and has no sandbox"]
    servers = {f.title.split("'")[1]: (f.severity, f.id.split("/")[1]) for f in findings
               if "/mcp-" in f.id}
    assert servers == {
        "commands": ("high", "mcp-shell"),
        "docker": ("high", "mcp-docker"),
        "terraform": ("medium", "mcp-cloud"),
    }, titles(findings)


def test_hooked_codex_is_clean(tmp_path: Path) -> None:
    findings = [f for f in machine("codex-hooked", tmp_path).scan() if f.agent == A]
    assert findings == [], titles(findings)


def test_hooks_feature_off_and_project_override(tmp_path: Path) -> None:
    m = machine("codex-hooked", tmp_path)
    (m.project / ".codex").mkdir()
    (m.project / ".codex" / "config.toml").write_text(
        '[features]\nhooks = false\n\napproval_policy = "never"\n'
    )
    findings = m.scan()
    [unguarded] = by_kind(findings, A, "unguarded-tools")
    assert "switched off" in unguarded.detail
    assert unguarded.file == str(m.project / ".codex" / "config.toml")


def test_bad_toml(tmp_path: Path) -> None:
    findings = machine("codex-bad-toml", tmp_path).scan()
    [bad] = by_kind(findings, A, "unreadable")
    assert bad.file.endswith("config.toml") and bad.line == 7, titles(findings)


def test_untrusted_without_adapter_is_medium(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "adapter_available", lambda agent: False)
    m = machine("empty", tmp_path)
    (m.home / ".codex").mkdir()
    (m.home / ".codex" / "config.toml").write_text('approval_policy = "untrusted"\n')
    [unguarded] = by_kind(m.scan(), A, "unguarded-tools")
    assert unguarded.severity == "medium" and "cannot hook Codex" in unguarded.fix
    (m.home / ".codex" / "config.toml").write_text('approval_policy = "on-request"\n')
    [unguarded] = by_kind(m.scan(), A, "unguarded-tools")
    assert unguarded.severity == "high" and 'approval_policy = "untrusted"' in unguarded.fix
