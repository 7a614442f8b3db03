from __future__ import annotations

import json
from pathlib import Path

from tests.support.doctor import approvald_script, by_kind, machine, titles

A = "cursor"


def test_cursor_machine(tmp_path: Path) -> None:
    findings = machine("cursor-dev", tmp_path).scan()
    servers = {f.title.split("'")[1]: (f.severity, f.id.split("/")[1]) for f in findings
               if "/mcp-" in f.id and "allow" not in f.id}
    assert servers == {
        "terminal": ("high", "mcp-shell"),
        "puppeteer": ("medium", "mcp-network"),
        "db": ("medium", "mcp-database"),
    }, titles(findings)
    [rule] = by_kind(findings, A, "allow-rule")
    assert "'git'" in rule.title and rule.line == 3  # permissions.json is JSONC: no complaint
    assert by_kind(findings, A, "mcp-allow")
    assert by_kind(findings, A, "unreadable") == []
    [unguarded] = by_kind(findings, A, "unguarded-tools")
    assert unguarded.severity == "high"


def test_cursor_hook_guards_the_shell(tmp_path: Path) -> None:
    m = machine("cursor-dev", tmp_path)
    hooks = {"version": 1, "hooks": {
        "beforeShellExecution": [{"command": f"{approvald_script()} hook cursor"}],
        "afterFileEdit": [{"command": "./scripts/format.sh"}],
    }}
    (m.project / ".cursor" / "hooks.json").write_text(json.dumps(hooks))
    findings = m.scan()
    assert by_kind(findings, A, "unguarded-tools") == []
    hooks["hooks"]["beforeShellExecution"] = [{"command": "/nowhere/approvald hook cursor"}]
    (m.project / ".cursor" / "hooks.json").write_text(json.dumps(hooks))
    [broken] = by_kind(m.scan(), A, "hook-broken")
    assert "/nowhere/approvald" in broken.title
