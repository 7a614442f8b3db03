"""`approvald install opencode` and `uninstall opencode` through the CLI: the plugin file is
written with this machine's hook command, idempotently, backed up before a change, removed only
while it is exactly what install wrote, never written over a file that is not approvald's."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from approvald.install import opencode
from tests.support.daemon import cli_argv, env_for

# Another plugin the person already has beside ours: never touched.
THEIR_PLUGIN = 'export const Notify = async () => ({ event: async () => {} })\n'


@pytest.fixture
def env(tmp_path: Path, approvald_home: Path) -> dict[str, str]:
    environ = env_for(approvald_home, HOME=str(tmp_path / "home"))
    environ.pop("XDG_CONFIG_HOME", None)
    return environ


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cli_argv(), *args], env=env, capture_output=True, text=True,
                          timeout=60)


def user_plugins(env: dict[str, str]) -> Path:
    return Path(env["HOME"]) / ".config" / "opencode" / "plugins"


def test_install_writes_the_plugin_idempotently_and_uninstall_removes_exactly_it(
        env: dict[str, str]) -> None:
    plugins = user_plugins(env)
    plugins.mkdir(parents=True)
    (plugins / "notify.js").write_text(THEIR_PLUGIN)
    done = cli(env, "install", "opencode", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    plugin = plugins / "approvald.js"
    assert result["action"] == "installed" and result["file"] == str(plugin)
    assert result["timeout"] == 330_000  # ms: above the hook's own deadline
    text = plugin.read_text()
    assert opencode.ownership(text) == opencode.INTACT
    argv = opencode.written_command(text)
    assert argv is not None and argv[-2:] == ["hook", "opencode"] and os.path.isfile(argv[0])
    assert "__APPROVALD_" not in text
    again = cli(env, "install", "opencode")
    assert again.returncode == 0 and "already installed" in again.stdout
    assert sorted(p.name for p in plugins.iterdir()) == ["approvald.js", "notify.js"]

    gone = cli(env, "uninstall", "opencode")
    assert gone.returncode == 0, gone.stderr
    assert "removed the approvald plugin" in gone.stdout
    assert not plugin.exists() and (plugins / "notify.js").read_text() == THEIR_PLUGIN
    backups = [p for p in plugins.iterdir() if ".approvald-backup-" in p.name]
    assert len(backups) == 1 and backups[0].read_text() == text
    assert not backups[0].name.endswith((".js", ".ts"))  # OpenCode never loads a backup
    none = cli(env, "uninstall", "opencode")
    assert none.returncode == 0 and "no approvald plugin" in none.stdout


def test_a_new_command_or_timeout_updates_it_with_a_backup(env: dict[str, str],
                                                           tmp_path: Path) -> None:
    project = tmp_path / "proj"
    old = opencode.install("project", project, argv=["/old/approvald", "hook", "opencode"],
                           timeout=60)
    assert old.action == "installed" and old.backup is None
    done = cli(env, "install", "opencode", "--scope", "project", "--project", str(project),
               "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["action"] == "updated" and result["backup"]
    assert "/old/approvald" in Path(result["backup"]).read_text()
    assert "/old/approvald" not in old.file.read_text()
    assert old.file == project / ".opencode" / "plugins" / "approvald.js"


def test_dry_run_shows_the_diff_and_writes_nothing(env: dict[str, str]) -> None:
    done = cli(env, "install", "opencode", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("--- /dev/null\n+++ ")
    assert '+const HOOK = ["' in done.stdout
    assert not user_plugins(env).exists()
    assert cli(env, "install", "opencode").returncode == 0
    undo = cli(env, "uninstall", "opencode", "--dry-run")
    assert undo.returncode == 0 and "+++ /dev/null" in undo.stdout
    assert (user_plugins(env) / "approvald.js").is_file()


def test_a_file_that_is_not_ours_is_never_overwritten(env: dict[str, str]) -> None:
    plugin = user_plugins(env) / "approvald.js"
    plugin.parent.mkdir(parents=True)
    plugin.write_text(THEIR_PLUGIN)
    done = cli(env, "install", "opencode")
    assert done.returncode == 1 and "is not approvald's plugin" in done.stderr
    undo = cli(env, "uninstall", "opencode")
    assert undo.returncode == 0 and "no approvald plugin" in undo.stdout
    assert plugin.read_text() == THEIR_PLUGIN


def test_an_edited_plugin_is_left_for_the_person(env: dict[str, str]) -> None:
    assert cli(env, "install", "opencode").returncode == 0
    plugin = user_plugins(env) / "approvald.js"
    edited = plugin.read_text().replace("if (!result.allow) throw", "if (false) throw")
    plugin.write_text(edited)
    assert opencode.ownership(edited) == opencode.EDITED
    undo = cli(env, "uninstall", "opencode")
    assert undo.returncode == 1 and "changed since approvald wrote it" in undo.stderr
    assert plugin.read_text() == edited
    redo = cli(env, "install", "opencode", "--json")  # install puts ours back, with a backup
    assert redo.returncode == 0 and json.loads(redo.stdout)["action"] == "updated"
    assert opencode.ownership(plugin.read_text()) == opencode.INTACT


def test_xdg_config_home_and_bad_scopes(env: dict[str, str], tmp_path: Path) -> None:
    xdg = {**env, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert cli(xdg, "install", "opencode").returncode == 0
    assert (tmp_path / "xdg" / "opencode" / "plugins" / "approvald.js").is_file()
    local = cli(env, "install", "opencode", "--scope", "local")
    assert local.returncode == 1 and "no 'local' scope" in local.stderr
    mcp = cli(env, "install", "opencode", "--mcp")
    assert mcp.returncode == 1 and "opencode" in mcp.stderr
