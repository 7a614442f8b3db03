"""package.json scripts: which one a package manager's command runs, and where it is read.

`npm run X` (also `npm test|start|stop|restart`, pnpm, yarn, bun, and yarn/pnpm/bun `X` when
X is no command of theirs) runs the script X of the project's package.json; `npm install`
without package names runs the project's install lifecycle.
"""

from __future__ import annotations

import json
import os

from approvald.shell.model import SimpleCommand

MAX_PACKAGE_JSON_BYTES = 1_000_000
SCRIPT_RUNNERS = frozenset({"npm", "pnpm", "yarn", "bun"})
_LIFECYCLE = frozenset({"test", "start", "stop", "restart"})
INSTALL_STEPS = ("preinstall", "install", "postinstall", "preprepare", "prepare",
                 "postprepare")
# yarn/pnpm run a script given as the first word when it is not one of their own commands.
_OWN_COMMANDS = frozenset({
    "install", "i", "add", "remove", "rm", "uninstall", "update", "up", "upgrade", "publish",
    "pack", "init", "create", "exec", "dlx", "info", "view", "why", "list", "ls", "outdated",
    "link", "unlink", "login", "logout", "config", "cache", "audit", "version", "help",
    "workspace", "workspaces", "npm", "set", "plugin", "node", "x", "ci", "dedupe", "prune",
    "rebuild", "store", "patch", "import", "fetch", "env", "server", "setup",
})
_PNPM_ONLY = frozenset({"deploy"})


def script_name(cmd: SimpleCommand) -> str | None:
    """Which package.json script this command runs, if any."""
    if cmd.program not in SCRIPT_RUNNERS or not cmd.args:
        return None
    first = cmd.args[0]
    if first in ("run", "run-script", "rum", "urn") and len(cmd.args) > 1:
        return cmd.args[1]
    if first in _LIFECYCLE:
        return first
    own = _OWN_COMMANDS | _PNPM_ONLY if cmd.program == "pnpm" else _OWN_COMMANDS
    if cmd.program in ("yarn", "pnpm", "bun") and not first.startswith("-") and first not in own:
        return first
    return None


def installs_project(cmd: SimpleCommand) -> bool:
    """`npm install` / `npm ci` / `yarn` / `pnpm install` of the project itself."""
    if cmd.program not in SCRIPT_RUNNERS:
        return False
    if cmd.program == "yarn" and not cmd.args:
        return True
    if not cmd.args or cmd.args[0] not in ("install", "i", "ci"):
        return False
    return not any(not a.startswith("-") for a in cmd.args[1:])


def package_root(directory: str) -> str | None:
    """The project directory npm finds from `directory`: the nearest one above it (itself
    included) with a package.json, unless a node_modules directory comes first."""
    current = directory
    while True:
        if os.path.isfile(os.path.join(current, "package.json")):
            return current
        if os.path.isdir(os.path.join(current, "node_modules")):
            return None
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def read_scripts(directory: str) -> dict[str, str] | None:
    """The package.json scripts; None when the file is too large to read (npm would still run
    it, so what it runs is unknown)."""
    path = os.path.join(directory, "package.json")
    try:
        if os.path.getsize(path) > MAX_PACKAGE_JSON_BYTES:
            return None
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return {}
    scripts = doc.get("scripts") if isinstance(doc, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {k: v for k, v in scripts.items() if isinstance(k, str) and isinstance(v, str)}
