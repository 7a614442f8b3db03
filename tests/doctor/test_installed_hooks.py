"""Doctor recognises the hook `approvald install` wrote as guarding each agent, and still warns
about what goes around it: hooks switched off or not trusted, fail-open entries, raw MCP
servers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from approvald.agents import AGENTS
from approvald.doctor import scanners
from approvald.doctor.findings import Finding
from approvald.install import hooks
from tests.support.doctor import Machine, approvald_script, by_kind, machine, titles


@pytest.fixture
def m(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Machine:
    box = machine("empty", tmp_path)
    monkeypatch.setenv("HOME", str(box.home))
    monkeypatch.delenv("CODEX_HOME", raising=False)
    return box


def install(agent: str, m: Machine, scope: str = "user") -> hooks.Outcome:
    return hooks.install(agent, scope, m.project, command=approvald_script())


def mine(findings: list[Finding], agent: str) -> list[Finding]:
    return [f for f in findings if f.agent == agent]


def test_doctor_scans_every_agent_in_the_registry() -> None:
    assert [name for name, _ in scanners()] == list(AGENTS)


def trust_codex(m: Machine, outcome: hooks.Outcome, **state: object) -> None:
    config = m.home / ".codex" / "config.toml"
    key = f"{outcome.file}:pre_tool_use:0:0"
    lines = [f'[hooks.state."{key}"]'] + [f"{k} = {json.dumps(v)}" for k, v in state.items()]
    config.write_text("\n".join(lines) + "\n")


def test_codex_hook_counts_once_trusted(m: Machine) -> None:
    outcome = install("codex", m)
    findings = m.scan()
    assert by_kind(findings, "codex", "unguarded-tools") == []
    [untrusted] = by_kind(findings, "codex", "hook-untrusted")
    assert untrusted.severity == "high" and "trust" in untrusted.fix
    trust_codex(m, outcome, trusted_hash="sha256:" + "ab" * 32)
    assert mine(m.scan(), "codex") == [], titles(m.scan())
    trust_codex(m, outcome, trusted_hash="sha256:" + "ab" * 32, enabled=False)
    [off] = by_kind(m.scan(), "codex", "hook-disabled")
    assert off.severity == "high"


def test_codex_project_hook_needs_a_trusted_project(m: Machine) -> None:
    outcome = install("codex", m, "project")
    [untrusted] = by_kind(m.scan(), "codex", "project-untrusted")
    assert str(m.project) in untrusted.detail
    config = m.home / ".codex" / "config.toml"
    config.parent.mkdir()
    config.write_text(f'[projects."{m.project}"]\ntrust_level = "trusted"\n\n'
                      f'[hooks.state."{outcome.file}:pre_tool_use:0:0"]\n'
                      f'trusted_hash = "sha256:{"cd" * 32}"\n')
    assert mine(m.scan(), "codex") == [], titles(m.scan())


def test_codex_hooks_feature_off(m: Machine) -> None:
    install("codex", m)
    (m.home / ".codex" / "config.toml").write_text("[features]\nhooks = false\n")
    [off] = by_kind(m.scan(), "codex", "unguarded-tools")
    assert "switched off" in off.detail


def trust_gemini_folder(m: Machine, level: str, path: Path) -> None:
    (m.home / ".gemini" / "trustedFolders.json").write_text(json.dumps({str(path): level}))


def test_gemini_hook_counts_in_a_trusted_folder(m: Machine) -> None:
    install("gemini", m)
    findings = m.scan()
    assert by_kind(findings, "gemini", "unguarded-tools") == []
    [folder] = by_kind(findings, "gemini", "folder-untrusted")
    assert folder.severity == "medium"
    trust_gemini_folder(m, "TRUST_FOLDER", m.project)
    assert mine(m.scan(), "gemini") == [], titles(m.scan())
    trust_gemini_folder(m, "TRUST_PARENT", m.project / "child")
    assert mine(m.scan(), "gemini") == []
    trust_gemini_folder(m, "DO_NOT_TRUST", m.project)
    assert by_kind(m.scan(), "gemini", "folder-untrusted")


def test_gemini_hook_named_in_disabled_is_off(m: Machine) -> None:
    outcome = install("gemini", m)
    trust_gemini_folder(m, "TRUST_FOLDER", m.project)
    data = json.loads(outcome.file.read_text())
    data["hooksConfig"] = {"disabled": ["approvald"]}
    outcome.file.write_text(json.dumps(data))
    findings = m.scan()
    [off] = by_kind(findings, "gemini", "hook-disabled")
    assert off.severity == "high"
    assert by_kind(findings, "gemini", "unguarded-tools")  # nothing guards it now


def test_cursor_hook_covers_everything(m: Machine) -> None:
    install("cursor", m)
    assert mine(m.scan(), "cursor") == [], titles(m.scan())


def test_cursor_shell_only_hook_is_partial_and_fails_open(m: Machine) -> None:
    hooks_file = m.project / ".cursor" / "hooks.json"
    hooks_file.parent.mkdir()
    hooks_file.write_text(json.dumps({"version": 1, "hooks": {"beforeShellExecution": [
        {"command": f"{approvald_script()} hook cursor", "timeout": 330}]}}))
    findings = m.scan()
    [partial] = by_kind(findings, "cursor", "partial-coverage")
    assert "file reads" in partial.title and "file edits" in partial.title
    assert "MCP tool calls" in partial.title
    [open_] = by_kind(findings, "cursor", "hook-fail-open")
    assert open_.file == str(hooks_file)


def test_copilot_unguarded_then_installed(m: Machine) -> None:
    (m.home / ".copilot").mkdir()
    [unguarded] = by_kind(m.scan(), "copilot", "unguarded-tools")
    assert unguarded.severity == "high" and "approvald install copilot" in unguarded.fix
    install("copilot", m, "project")
    assert mine(m.scan(), "copilot") == [], titles(m.scan())
    # Another repository's hook file with a shell hook of its own changes nothing.
    (m.project / ".github" / "hooks" / "lint.json").write_text(json.dumps(
        {"version": 1, "hooks": {"postToolUse": [{"type": "command", "bash": "./lint.sh"}]}}))
    assert mine(m.scan(), "copilot") == []


def test_copilot_warnings(m: Machine) -> None:
    install("copilot", m, "project")
    settings = m.project / ".github" / "copilot" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"disableAllHooks": true}')
    [off] = by_kind(m.scan(), "copilot", "hooks-disabled")
    assert off.severity == "high"
    settings.unlink()
    ours = m.project / ".github" / "hooks" / "approvald.json"
    data = json.loads(ours.read_text())
    del data["hooks"]["preToolUse"][0]["timeoutSec"]
    ours.write_text(json.dumps(data))
    [short] = by_kind(m.scan(), "copilot", "hook-timeout")
    assert "30 s" in short.detail
    (m.home / ".copilot").mkdir(exist_ok=True)
    (m.home / ".copilot" / "mcp-config.json").write_text(json.dumps({"mcpServers": {
        "shell": {"type": "local", "command": "npx", "args": ["-y", "mcp-shell"]}}}))
    assert by_kind(m.scan(), "copilot", "mcp-shell")


@pytest.mark.parametrize("agent", ["claude-code", "gemini", "cursor"])
def test_the_fast_entry_guards_like_the_cli(m: Machine, agent: str) -> None:
    hooks.install(agent, "user", m.project)  # the command install writes by default
    findings = mine(m.scan(), agent)
    assert by_kind(findings, agent, "unguarded-tools") == [], titles(findings)
    assert by_kind(findings, agent, "hook-broken") == [], titles(findings)


def test_a_fast_entry_gone_after_an_upgrade_is_reported(m: Machine, tmp_path: Path) -> None:
    python = Path(sys.executable)
    gone = tmp_path / "Cellar" / "approvald" / "0.9" / "approvald" / "hook" / "entry.py"
    hooks.install("claude-code", "user", m.project, command=f"{python} -I -S {gone}")
    [broken] = by_kind(m.scan(), "claude-code", "hook-broken")
    assert str(gone) in broken.title and "block" in broken.detail
    assert "approvald install claude-code" in broken.fix
