"""doctor and OpenCode: approvald's plugin guards it; raw MCP servers in opencode.json and a
permission that allows everything are reported; a changed or broken plugin too."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from approvald.install import opencode
from tests.support.daemon import cli_argv
from tests.support.doctor import Machine, approvald_script, by_kind, machine, titles

A = "opencode"


def opencode_machine(tmp_path: Path, config: dict | None = None) -> Machine:
    m = machine("opencode-dev", tmp_path)
    (m.home / ".config" / "opencode").mkdir(parents=True)
    if config is not None:
        (m.project / "opencode.json").write_text(json.dumps(config, indent=2))
    return m


def install_plugin(m: Machine, scope: str = "user",
                   argv: list[str] | None = None) -> Path:
    path = (m.home / ".config" / "opencode" / "plugins" if scope == "user"
            else m.project / ".opencode" / "plugins") / "approvald.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(opencode.render(argv or [approvald_script(), "hook", A], 330_000))
    return path


def test_unguarded_until_the_plugin_is_installed(tmp_path: Path) -> None:
    m = opencode_machine(tmp_path)
    [unguarded] = by_kind(m.scan(), A, "unguarded-tools")
    assert unguarded.severity == "high" and "approvald install opencode" in unguarded.fix
    install_plugin(m, "project")
    assert by_kind(m.scan(), A, "unguarded-tools") == [], titles(m.scan())
    assert by_kind(m.scan(), A, "plugin-broken") == []


def test_an_agent_not_in_use_is_not_reported(tmp_path: Path) -> None:
    m = machine("opencode-none", tmp_path)
    assert [f for f in m.scan() if f.agent == A] == []


def test_raw_mcp_servers_and_allow_everything(tmp_path: Path) -> None:
    m = opencode_machine(tmp_path, {
        "$schema": "https://opencode.ai/config.json",
        "permission": {"*": "allow"},
        "mcp": {
            "terminal": {"type": "local", "command": ["npx", "-y", "mcp-server-commands"]},
            "off": {"type": "local", "command": ["npx", "-y", "mcp-server-commands"],
                    "enabled": False},
            "wrapped": {"type": "local", "command": [approvald_script(), "mcp", "wrap",
                                                     "--name", "t", "--", "npx",
                                                     "mcp-server-commands"]},
        }})
    install_plugin(m)
    findings = m.scan()
    [raw] = by_kind(findings, A, "mcp-shell")
    assert "'terminal'" in raw.title and raw.severity == "high" and raw.line
    assert '"approvald", "mcp", "wrap"' in raw.fix
    [prompt_off] = by_kind(findings, A, "permission-allow-all")
    assert prompt_off.severity == "low" and prompt_off.file.endswith("opencode.json")
    (m.project / "opencode.json").write_text(json.dumps({"permission": {"bash": "ask"}}))
    assert by_kind(m.scan(), A, "permission-allow-all") == []


def test_an_edited_or_broken_plugin(tmp_path: Path) -> None:
    m = opencode_machine(tmp_path)
    plugin = install_plugin(m, argv=[str(tmp_path / "gone" / "approvald"), "hook", A])
    [broken] = by_kind(m.scan(), A, "plugin-broken")
    assert "gone/approvald" in broken.title and by_kind(m.scan(), A, "unguarded-tools") == []
    plugin.write_text(plugin.read_text().replace("throw new Error(result.reason)", "return"))
    findings = m.scan()
    [edited] = by_kind(findings, A, "plugin-edited")
    assert edited.severity == "high"
    assert by_kind(findings, A, "unguarded-tools")  # an edited plugin guards nothing we know of


def test_doctor_watches_the_plugin_and_config_files(tmp_path: Path) -> None:
    from approvald.doctor import watched_files

    m = opencode_machine(tmp_path)
    files = watched_files(m.home, m.project)
    assert m.home / ".config" / "opencode" / "plugins" / "approvald.js" in files
    assert m.project / ".opencode" / "plugins" / "approvald.js" in files
    assert m.project / "opencode.json" in files


def test_plugins_turned_off_in_opencode_json(tmp_path: Path) -> None:
    m = opencode_machine(tmp_path, {"plugins": ["opencode-wakatime", "-*"]})
    install_plugin(m)
    [off] = by_kind(m.scan(), A, "plugins-disabled")
    assert off.severity == "medium" and "'-*'" in off.fix and off.line == 4
    (m.project / "opencode.json").write_text(json.dumps({"plugins": ["opencode-wakatime"]}))
    assert by_kind(m.scan(), A, "plugins-disabled") == []


def test_install_through_the_cli_clears_the_finding_and_uninstall_brings_it_back(
        tmp_path: Path, approvald_home: Path) -> None:
    m = opencode_machine(tmp_path)
    env = {**os.environ, "HOME": str(m.home), "APPROVALD_HOME": str(approvald_home)}
    env.pop("XDG_CONFIG_HOME", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli_argv(), *args], env=env, capture_output=True, text=True,
                              timeout=60, cwd=m.project)

    def unguarded() -> list[dict]:
        done = cli("doctor", "--json", "--no-daemon", "--project", str(m.project))
        assert done.returncode in (0, 1), done.stderr
        return [f for f in json.loads(done.stdout)["findings"]
                if f["id"].startswith(f"{A}/unguarded-tools/")]

    assert unguarded()
    assert cli("install", "opencode").returncode == 0
    assert unguarded() == []
    assert cli("uninstall", "opencode").returncode == 0
    assert unguarded()
