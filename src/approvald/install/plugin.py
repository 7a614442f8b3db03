"""approvald as a Claude Code plugin: `approvald install claude-code --plugin`.

A plugin is a directory with `.claude-plugin/plugin.json` (its manifest) and `hooks/hooks.json`
(the same `hooks` object a settings file holds). approvald generates one, with every hook event
install writes and this machine's approvald command, inside a local marketplace of its own:

    <approvald home>/claude-code-plugin/
        .claude-plugin/marketplace.json      {"name": "approvald-local", "plugins": [...]}
        approvald/.claude-plugin/plugin.json {"name": "approvald", "version", ...}
        approvald/hooks/hooks.json           {"description", "hooks": {...}}

and registers it in the chosen settings file: `extraKnownMarketplaces["approvald-local"]` (a
`directory` source) and `enabledPlugins["approvald@approvald-local"] = true`. approvald's hook
entries in that same file are taken out (one set of hooks: two would ask twice). Uninstall
takes both keys out and deletes the generated directory. The settings-file install stays the
default.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

from approvald import __version__
from approvald.agents import get_agent
from approvald.install import (
    InstallError,
    read_settings,
    render_settings,
    write_atomic,
)
from approvald.install.coverage import PLUGIN_ID
from approvald.install.hookcommand import hook_command
from approvald.install.hooks import (
    Outcome,
    commit,
    hook_timeout_s,
    merge,
    settings_file,
    unmerge,
)

AGENT = "claude-code"
MARKETPLACE = "approvald-local"
PLUGIN = "approvald"
DIRECTORY = "claude-code-plugin"
MANIFEST_SCHEMA = "https://json.schemastore.org/claude-code-plugin-manifest.json"
MARKETPLACE_SCHEMA = "https://json.schemastore.org/claude-code-marketplace.json"
DESCRIPTION = ("approvald: every tool call decided by your policy, tool output redacted, "
               "settings guarded, sessions registered, Claude Code's prompts in approvald's "
               "dashboard")
assert f"{PLUGIN}@{MARKETPLACE}" == PLUGIN_ID


def plugin_root(home: Path | None = None) -> Path:
    """The generated marketplace directory, under approvald's home."""
    if home is None:
        from approvald.paths import get_paths

        home = get_paths().home
    return home / DIRECTORY


def manifest() -> dict[str, Any]:
    return {"$schema": MANIFEST_SCHEMA, "name": PLUGIN, "version": __version__,
            "description": DESCRIPTION, "author": {"name": "approvald"},
            "keywords": ["security", "approvals", "policy", "audit"]}


def marketplace() -> dict[str, Any]:
    return {"$schema": MARKETPLACE_SCHEMA, "name": MARKETPLACE,
            "owner": {"name": "approvald"},
            "description": "approvald's own plugin, generated for this machine",
            "plugins": [{"name": PLUGIN, "source": f"./{PLUGIN}", "description": DESCRIPTION,
                         "version": __version__}]}


def hooks_json(command: str | None = None, timeout: int | None = None) -> dict[str, Any]:
    """`hooks/hooks.json`: every event install writes, with this machine's command."""
    agent = get_agent(AGENT)
    assert agent.install is not None
    entry = agent.install.entry(hook_command(AGENT, command),
                                timeout if timeout is not None else hook_timeout_s(AGENT))
    return {"description": DESCRIPTION, "hooks": merge({}, agent, entry)["hooks"]}


def plugin_files(root: Path, command: str | None = None,
                 timeout: int | None = None) -> dict[Path, dict[str, Any]]:
    return {root / ".claude-plugin" / "marketplace.json": marketplace(),
            root / PLUGIN / ".claude-plugin" / "plugin.json": manifest(),
            root / PLUGIN / "hooks" / "hooks.json": hooks_json(command, timeout)}


def registered(settings: dict[str, Any], root: Path) -> dict[str, Any]:
    """`settings` with approvald's plugin registered and enabled, and its hooks out."""
    result, _ = unmerge(settings, get_agent(AGENT))
    result = copy.deepcopy(result)
    markets = result.get("extraKnownMarketplaces")
    if markets is not None and not isinstance(markets, dict):
        raise InstallError("\"extraKnownMarketplaces\" is not a JSON object; nothing was written")
    plugins = result.get("enabledPlugins")
    if plugins is not None and not isinstance(plugins, dict):
        raise InstallError("\"enabledPlugins\" is not a JSON object; nothing was written")
    result.setdefault("extraKnownMarketplaces", {})[MARKETPLACE] = {
        "source": {"source": "directory", "path": str(root)}}
    result.setdefault("enabledPlugins", {})[PLUGIN_ID] = True
    return result


def unregistered(settings: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """(`settings` without approvald's plugin keys, how many were removed)."""
    result = copy.deepcopy(settings)
    removed = 0
    for key, name in (("extraKnownMarketplaces", MARKETPLACE), ("enabledPlugins", PLUGIN_ID)):
        table = result.get(key)
        if isinstance(table, dict) and name in table:
            del table[name]
            removed += 1
            if not table:
                del result[key]
    return result, removed


def install_plugin(scope: str | None = None, project: Path | None = None,
                   dry_run: bool = False, command: str | None = None,
                   timeout: int | None = None, home: Path | None = None) -> Outcome:
    agent = get_agent(AGENT)
    scope, path = settings_file(agent, scope, project)
    root = plugin_root(home)
    settings, original = read_settings(path)
    changed = registered(settings, root)
    files = plugin_files(root, command, timeout)
    stale = any(_read_json(p) != doc for p, doc in files.items())
    action = "unchanged" if changed == settings and not stale else (
        "updated" if _enabled(settings) else "installed")
    after = render_settings(changed, original) if changed != settings else (original or "")
    hooks = files[root / PLUGIN / "hooks" / "hooks.json"]["hooks"]
    first = hooks["PreToolUse"][0]["hooks"][0]
    outcome = Outcome(agent=AGENT, action=action, scope=scope, file=path,
                      command=first["command"], timeout=first["timeout"], dry_run=dry_run,
                      before=original, after=after, settings=changed, notice=_notice(root))
    if not dry_run and stale:
        for file, doc in files.items():
            write_atomic(file, render_settings(doc))
    if changed == settings:
        outcome.after = original or ""
        return outcome
    return commit(outcome, original)


def uninstall_plugin(scope: str | None = None, project: Path | None = None,
                     dry_run: bool = False, home: Path | None = None) -> Outcome:
    agent = get_agent(AGENT)
    scope, path = settings_file(agent, scope, project)
    settings, original = read_settings(path)
    remaining, removed = unregistered(settings)
    root = plugin_root(home)
    generated = root.is_dir()
    outcome = Outcome(agent=AGENT, action="removed" if removed or generated else "not-installed",
                      scope=scope, file=path, removed=removed, dry_run=dry_run,
                      before=original,
                      after=render_settings(remaining, original) if removed else original or "",
                      settings=remaining)
    if not dry_run and generated:
        shutil.rmtree(root, ignore_errors=True)
    if not removed:
        return outcome
    return commit(outcome, original)


def _enabled(settings: dict[str, Any]) -> bool:
    plugins = settings.get("enabledPlugins")
    return isinstance(plugins, dict) and PLUGIN_ID in plugins


def _read_json(path: Path) -> Any:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _notice(root: Path) -> str:
    return (f"the plugin lives in {root} (marketplace {MARKETPLACE}); Claude Code loads it at "
            "its next start (a project's settings only once you trust the folder). If it reports "
            f"the plugin as not installed: claude plugin install {PLUGIN_ID}. approvald's hooks "
            "in this settings file were taken out: the plugin carries them.")
