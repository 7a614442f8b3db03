"""Issue 15: approvald as a Claude Code plugin (`install claude-code --plugin`). The manifest and
the marketplace validate against the schemas Claude Code's docs name (vendored from
SchemaStore, tests/install/schemas/SOURCES.md); hooks.json and the settings file against the
shared settings schema."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from approvald.agents import get_agent
from approvald.install import hookcommand, hooks, plugin
from approvald.install.coverage import coverage, weakened
from tests.support import SHARED

SCHEMAS = Path(__file__).parent / "schemas"
CMD = "/opt/approvald/bin/approvald"


def _validator(path: Path) -> Draft7Validator:
    return Draft7Validator(json.loads(path.read_text(encoding="utf-8")))


SETTINGS = _validator(SHARED / "schemas" / "claude-code-settings.schema.json")


def _errors(validator: Draft7Validator, doc: Any) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_generated_files_validate_against_the_published_schemas(tmp_path: Path) -> None:
    files = plugin.plugin_files(tmp_path / "mp", command=CMD, timeout=330)
    manifest = files[tmp_path / "mp" / "approvald" / ".claude-plugin" / "plugin.json"]
    market = files[tmp_path / "mp" / ".claude-plugin" / "marketplace.json"]
    hooks_file = files[tmp_path / "mp" / "approvald" / "hooks" / "hooks.json"]
    assert _errors(_validator(SCHEMAS / "claude-code-plugin-manifest.schema.json"),
                   manifest) == []
    assert _errors(_validator(SCHEMAS / "claude-code-marketplace.schema.json"), market) == []
    assert _errors(SETTINGS, {"hooks": hooks_file["hooks"]}) == []
    # What the docs ask beyond the schemas: a kebab-case name, the plugin entry's relative
    # source starting with ./, and hooks.json as {description?, hooks}.
    assert manifest["name"] == "approvald" and market["name"] == "approvald-local"
    assert market["plugins"][0]["source"] == "./approvald"
    assert set(hooks_file) == {"description", "hooks"}
    # The same hooks a settings-file install writes, each event its own command.
    agent = get_agent("claude-code")
    assert hooks_file["hooks"] == hooks.merge({}, agent, agent.install.entry(  # type: ignore
        f"{CMD} hook claude-code", 330))["hooks"]


def _cli(exe: list[str], home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home)}
    env.pop("CLAUDE_CONFIG_DIR", None)
    return subprocess.run([*exe, *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.e2e
def test_install_and_uninstall_the_plugin(tmp_path: Path, approvald_home: Path,
                                          approvald_exe: list[str]) -> None:
    home = tmp_path / "home"
    user_file = home / ".claude" / "settings.json"
    user_file.parent.mkdir(parents=True)
    original = {"model": "opus", "enabledPlugins": {"formatter@team": True}}
    user_file.write_text(json.dumps(original), encoding="utf-8")
    # A settings-file install first: --plugin takes its hooks out of the file.
    assert _cli(approvald_exe, home, "install", "claude-code").returncode == 0

    done = _cli(approvald_exe, home, "install", "claude-code", "--plugin", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["action"] == "installed" and "claude plugin install" in result["notice"]
    root = approvald_home / "claude-code-plugin"
    settings = json.loads(user_file.read_text(encoding="utf-8"))
    assert _errors(SETTINGS, settings) == []
    assert settings["extraKnownMarketplaces"] == {
        "approvald-local": {"source": {"source": "directory", "path": str(root)}}}
    assert settings["enabledPlugins"] == {"formatter@team": True, "approvald@approvald-local": True}
    assert "hooks" not in settings
    hooks_file = json.loads((root / "approvald" / "hooks" / "hooks.json").read_text())
    # Every event runs what exists; the decision goes through the hook's fast entry.
    for event, groups in hooks_file["hooks"].items():
        command = groups[0]["hooks"][0]["command"]
        files = hookcommand.hook_files(command)
        assert files and all(os.path.isabs(f) and os.path.isfile(f) for f in files), command
        target = hookcommand.hook_event_target(command)
        assert target is not None and target[2] == (None if event == "PreToolUse" else event)
    pre = hooks_file["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    assert hookcommand.hook_files(pre)[-1].endswith(os.path.join("approvald", "hook", "entry.py"))
    assert (root / ".claude-plugin" / "marketplace.json").is_file()
    assert (root / "approvald" / ".claude-plugin" / "plugin.json").is_file()

    again = _cli(approvald_exe, home, "install", "claude-code", "--plugin")
    assert again.returncode == 0 and "already installed" in again.stdout

    gone = _cli(approvald_exe, home, "uninstall", "claude-code", "--plugin")
    assert gone.returncode == 0 and "removed the approvald plugin" in gone.stdout, gone.stdout
    assert json.loads(user_file.read_text(encoding="utf-8")) == original
    assert not root.exists()
    wrong = _cli(approvald_exe, home, "install", "codex", "--plugin")
    assert wrong.returncode == 2 and "claude-code only" in wrong.stderr


def test_disabling_the_plugin_is_a_weakening() -> None:
    agent = get_agent("claude-code")
    enabled = coverage({"enabledPlugins": {"approvald@approvald-local": True}}, agent)
    assert weakened(enabled, coverage({"enabledPlugins": {
        "approvald@approvald-local": False}}, agent)) == [
        "the approvald plugin (approvald@approvald-local) is disabled"]
    assert weakened(enabled, coverage({}, agent)) == [
        "the approvald plugin (approvald@approvald-local) is no longer enabled"]
    assert weakened(enabled, coverage({"enabledPlugins": {"approvald@approvald-local": True},
                                       "model": "x"}, agent)) == []
