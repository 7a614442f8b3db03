from __future__ import annotations

import json
import os
from pathlib import Path

from approvald.doctor import SystemRoots
from tests.support.doctor import approvald_script, by_kind, machine, titles

A = "claude-code"


def test_hooked_machine_is_clean(tmp_path: Path) -> None:
    m = machine("claude-hooked", tmp_path)
    findings = [f for f in m.scan() if f.agent == A]
    assert findings == [], titles(findings)


def test_unguarded_machine(tmp_path: Path) -> None:
    m = machine("claude-unguarded", tmp_path)
    findings = m.scan()
    [unguarded] = by_kind(findings, A, "unguarded-tools")
    assert unguarded.severity == "high"
    assert "approvald install claude-code --scope" in unguarded.fix
    rules = {f.title.split(" ")[2] for f in by_kind(findings, A, "allow-rule")}
    assert rules == {"Bash(git", "Bash(terraform", "Bash(*)", "Edit"}, titles(findings)
    servers = {f.title.split("'")[1]: f.severity for f in findings if "/mcp-" in f.id}
    assert servers == {
        "desktop-commander": "high", "filesystem": "medium", "github": "medium",
        "playwright": "medium", "k8s": "medium", "aws-docs": "medium",
    }, titles(findings)
    lines = {f.title.split("'")[1]: f.line for f in findings if "/mcp-" in f.id}
    assert (lines["filesystem"], lines["desktop-commander"], lines["github"]) == (7, 24, 3)
    [enable_all] = by_kind(findings, A, "enable-all-project-mcp")
    assert enable_all.line == 33 and enable_all.file.endswith(".claude.json")
    # Another project's local servers appear only when no project narrows the scan.
    assert "shell" not in servers
    everywhere = m.scan(project=False)
    assert any("'shell'" in f.title for f in everywhere)


def test_bypass_modes_and_short_partial_hook(tmp_path: Path) -> None:
    m = machine("claude-bypass", tmp_path)
    findings = m.scan()
    [bypass] = by_kind(findings, A, "bypass-mode")
    [skip] = by_kind(findings, A, "bypass-prompt-skipped")
    assert bypass.severity == skip.severity == "high"
    assert (bypass.line, skip.line) == (5, 7)
    [timeout] = by_kind(findings, A, "hook-timeout")
    assert timeout.severity == "high" and '"timeout": 310' in timeout.fix
    [partial] = by_kind(findings, A, "unguarded-tools")
    assert "Write" in partial.title and "Bash" not in partial.title.split("cover")[1]
    assert by_kind(findings, A, "allow-rule")[0].title.startswith("Allow rule Bash ")


def test_managed_settings_change_the_picture(tmp_path: Path) -> None:
    m = machine("claude-bypass", tmp_path)
    (m.system / "managed-settings.json").write_text(json.dumps({
        "permissions": {"disableBypassPermissionsMode": "disable"},
        "allowManagedHooksOnly": True,
    }))
    findings = m.scan(roots=SystemRoots(claude_managed_dirs=[m.system], gemini_system_files=[]))
    assert by_kind(findings, A, "bypass-mode")[0].severity == "low"
    # The user's hook is ignored when only managed hooks may run: nothing covers Bash now.
    [unguarded] = by_kind(findings, A, "unguarded-tools")
    assert "Bash" in unguarded.detail and "managed" in unguarded.detail


def test_disable_all_hooks(tmp_path: Path) -> None:
    m = machine("claude-hooked", tmp_path)
    (m.project / ".claude" / "settings.local.json").write_text('{"disableAllHooks": true}')
    findings = m.scan()
    [off] = by_kind(findings, A, "hooks-disabled")
    assert off.severity == "high" and off.file.endswith("settings.local.json")


def test_an_install_from_before_the_other_hooks_is_told_to_reinstall(tmp_path: Path) -> None:
    m = machine("claude-hooked", tmp_path)
    settings = m.home / ".claude" / "settings.json"
    data = json.loads(settings.read_text(encoding="utf-8"))
    data["hooks"] = {"PreToolUse": data["hooks"]["PreToolUse"]}
    settings.write_text(json.dumps(data), encoding="utf-8")
    [missing] = by_kind(m.scan(), A, "missing-events")
    assert missing.severity == "medium" and "PostToolUse" in missing.title
    assert "secrets in tool output reach the model" in missing.detail
    assert missing.fix == "approvald install claude-code --scope user"


def test_the_plugin_install_counts_as_the_hook(tmp_path: Path) -> None:
    from approvald.install import plugin

    m = machine("claude-hooked", tmp_path)
    root = tmp_path / "approvald-home" / "claude-code-plugin"
    for path, doc in plugin.plugin_files(root, command=approvald_script()).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc), encoding="utf-8")
    settings = m.home / ".claude" / "settings.json"
    data = json.loads(settings.read_text(encoding="utf-8"))
    settings.write_text(json.dumps(plugin.registered(data, root)), encoding="utf-8")
    assert [f for f in m.scan() if f.agent == A] == []
    # Disabled in the project's local settings: nothing guards Claude Code there.
    (m.project / ".claude" / "settings.local.json").write_text(
        json.dumps({"enabledPlugins": {plugin.PLUGIN_ID: False}}), encoding="utf-8")
    assert by_kind(m.scan(), A, "unguarded-tools")[0].severity == "high"


def test_another_events_hook_under_pre_tool_use_is_not_the_guard(tmp_path: Path) -> None:
    m = machine("claude-hooked", tmp_path)
    settings = m.home / ".claude" / "settings.json"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("hook claude-code\"", "hook claude-code PostToolUse\""),
                        encoding="utf-8")
    [unguarded] = by_kind(m.scan(), A, "unguarded-tools")
    assert unguarded.severity == "high"


def test_windows_paths(tmp_path: Path) -> None:
    m = machine("claude-windows", tmp_path)
    findings = m.scan(project=False)
    [broken] = by_kind(findings, A, "hook-broken")
    assert broken.severity == "high" and broken.line == 10
    assert "C:\\Users\\dev\\AppData\\Roaming\\Python\\Python312\\Scripts\\approvald.exe" in (
        broken.title
    )
    assert "Windows path" in broken.detail
    assert by_kind(findings, A, "unguarded-tools") == []  # the matcher covers everything
    [fs] = [f for f in findings if "'fs'" in f.title]
    assert "server-filesystem" in fs.title and "C:\\Users\\dev\\src\\shop" in fs.detail


def test_malformed_files_are_findings_not_crashes(tmp_path: Path) -> None:
    m = machine("claude-malformed", tmp_path)
    findings = m.scan()
    [lenient] = by_kind(findings, A, "not-strict-json")
    assert lenient.line == 2 and lenient.file.endswith("home/.claude/settings.json")
    unreadable = {Path(f.file).name: f.line for f in by_kind(findings, A, "unreadable")}
    assert unreadable == {"settings.json": 5, ".mcp.json": 4}
    [unguarded] = by_kind(findings, A, "unguarded-tools")
    assert "cannot parse" in unguarded.detail
    # the leniently-read file's rules were still checked
    assert by_kind(findings, A, "allow-rule")


def test_broken_and_async_hooks(tmp_path: Path) -> None:
    m = machine("claude-hooked", tmp_path)
    noexec = tmp_path / "approvald"
    noexec.write_text("#!/bin/sh\n")
    os.chmod(noexec, 0o644)
    settings = {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": f"{noexec} hook claude-code", "timeout": 400},
        {"type": "command", "command": f"{approvald_script()} hook claude-code",
         "async": True},
    ]}]}}
    (m.project / ".claude" / "settings.json").write_text(json.dumps(settings, indent=2))
    findings = m.scan()
    [broken] = by_kind(findings, A, "hook-broken")
    assert "not executable" in broken.detail and broken.file.endswith("project/.claude/"
                                                                      "settings.json")
    assert "--scope project" in broken.fix
    assert by_kind(findings, A, "hook-async")


def test_no_claude_code_no_findings(tmp_path: Path) -> None:
    m = machine("empty", tmp_path)
    assert [f for f in m.scan() if f.agent == A] == []


def test_claude_config_dir_is_honoured(tmp_path: Path) -> None:
    from approvald.doctor import scan
    from approvald.paths import get_paths

    m = machine("claude-bypass", tmp_path)
    moved = tmp_path / "elsewhere"
    (m.home / ".claude").rename(moved)
    plain = scan(m.home, m.project, get_paths(), check_daemon=False, roots=SystemRoots.none())
    assert by_kind(plain, A, "bypass-mode") == []
    relocated = scan(m.home, m.project, get_paths(), check_daemon=False,
                     roots=SystemRoots.none(), claude_config_dir=moved)
    assert by_kind(relocated, A, "bypass-mode")[0].file == str(moved / "settings.json")
