"""Commands that run other commands the shell line does not spell out.

- `approvald exec --lease ID --env VAR -- CMD ...` runs CMD.
- `npm run deploy` (also `npm test|start|stop|restart`, pnpm, yarn, bun) runs the `deploy`
  script of the package.json in its directory, with its `pre`/`post` scripts: the script text
  is analyzed like any shell line, so `"deploy": "git push && npm publish"` is a push and a
  publish. Read from disk at decision time; a person approving it sees the expanded commands.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import replace

from approvald import shell
from approvald.shell.model import SimpleCommand

MAX_SCRIPT_DEPTH = 4
MAX_PACKAGE_JSON_BYTES = 1_000_000
_SCRIPT_RUNNERS = frozenset({"npm", "pnpm", "yarn", "bun"})
_LIFECYCLE = frozenset({"test", "start", "stop", "restart"})
# yarn/pnpm run a script given as the first word when it is not one of their own commands.
_OWN_COMMANDS = frozenset({
    "install", "i", "add", "remove", "rm", "uninstall", "update", "up", "upgrade", "publish",
    "pack", "init", "create", "exec", "dlx", "info", "view", "why", "list", "ls", "outdated",
    "link", "unlink", "login", "logout", "config", "cache", "audit", "version", "help",
    "workspace", "workspaces", "npm", "set", "plugin", "node", "x", "ci", "dedupe", "prune",
    "rebuild", "store", "patch", "import", "fetch", "env", "server", "setup",
})
_PNPM_ONLY = frozenset({"deploy"})


def expand(commands: list[SimpleCommand], home: str) -> list[SimpleCommand]:
    """The commands these commands would run beyond themselves (not including themselves)."""
    found: list[SimpleCommand] = []
    for cmd in commands:
        found += _approvald_exec(cmd, home)
        found += _package_scripts(cmd, home, MAX_SCRIPT_DEPTH)
    return found


def _nested(text: str, cmd: SimpleCommand, home: str, via: str) -> list[SimpleCommand]:
    return [replace(c, depth=c.depth + cmd.depth + 1, via=via)
            for c in shell.analyze(text, cmd.cwd, home).commands]


def _approvald_exec(cmd: SimpleCommand, home: str) -> list[SimpleCommand]:
    if cmd.program != "approvald" or cmd.args[:1] != ("exec",) or "--" not in cmd.args:
        return []
    rest = cmd.args[cmd.args.index("--") + 1:]
    return _nested(shlex.join(rest), cmd, home, "approvald exec") if rest else []


def script_name(cmd: SimpleCommand) -> str | None:
    """Which package.json script this command runs, if any."""
    if cmd.program not in _SCRIPT_RUNNERS or not cmd.args:
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


def _scripts(directory: str) -> dict[str, str]:
    path = os.path.join(directory, "package.json")
    try:
        if os.path.getsize(path) > MAX_PACKAGE_JSON_BYTES:
            return {}
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return {}
    scripts = doc.get("scripts") if isinstance(doc, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {k: v for k, v in scripts.items() if isinstance(k, str) and isinstance(v, str)}


def _package_scripts(cmd: SimpleCommand, home: str, depth: int) -> list[SimpleCommand]:
    name = script_name(cmd)
    if name is None or depth <= 0:
        return []
    scripts = _scripts(cmd.cwd)
    found: list[SimpleCommand] = []
    for step in (f"pre{name}", name, f"post{name}"):
        text = scripts.get(step)
        if text is None:
            continue
        nested = _nested(text, cmd, home, f"{cmd.program} run {step}")
        found += nested
        for inner in nested:  # a script that runs another script
            found += _package_scripts(inner, home, depth - 1)
    return found
