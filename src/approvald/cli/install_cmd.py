"""`approvald install AGENT [...]` and `approvald uninstall AGENT [...]`.

The dispatcher hands over the whole argv, command word included: argv[0] is "install" or
"uninstall".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from approvald.agents import AGENTS
from approvald.cli.output import Parser
from approvald.install import InstallError


def parser(verb: str = "install") -> argparse.ArgumentParser:
    what = ("add the approvald hook to an agent's settings (merged, with a backup)"
            if verb == "install" else "remove exactly the hook entries install added")
    parser = Parser(prog=f"approvald {verb}", description=what,
                    formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
                        "examples:\n"
                        f"  approvald {verb} claude-code                 ~/.claude/settings.json\n"
                        f"  approvald {verb} codex --scope project --dry-run   show the diff\n"
                        f"  approvald {verb} copilot                     this repository"))
    parser.add_argument("agent", choices=tuple(AGENTS),
                        help="the agent whose settings to change")
    parser.add_argument("--scope", choices=("user", "project", "local"), default=None,
                        help="user: the agent's settings in your home (~/.claude/settings.json,"
                             " ~/.codex/hooks.json, ~/.gemini/settings.json, ~/.cursor/"
                             "hooks.json, OpenCode's ~/.config/opencode/plugins/approvald.js); "
                             "project: the same under the project (Copilot CLI: "
                             ".github/hooks/approvald.json, its only scope); local: Claude "
                             "Code's <project>/.claude/settings.local.json (default: user, or "
                             "the agent's only scope)")
    parser.add_argument("--project", type=Path, metavar="DIR",
                        help="the project directory for --scope project|local (default: cwd)")
    parser.add_argument("--mcp", action="store_true",
                        help=("route each MCP server in the agent's MCP configuration through "
                              "`approvald mcp wrap` (user: ~/.claude.json, ~/.codex/config.toml,"
                              " ~/.gemini/settings.json, ~/.cursor/mcp.json, ~/.copilot/"
                              "mcp-config.json; project: .mcp.json and the like; local: Claude "
                              "Code's servers for one project in ~/.claude.json)")
                        if verb == "install" else
                        "restore each MCP server install --mcp routed through approvald")
    parser.add_argument("--plugin", action="store_true",
                        help=("Claude Code only: install approvald as a Claude Code plugin (a "
                              "local marketplace under approvald's home, enabled in the chosen "
                              "settings file) instead of hooks in that file")
                        if verb == "install" else
                        "Claude Code only: disable and remove the plugin install --plugin made")
    parser.add_argument("--dry-run", action="store_true",
                        help="show the change (a unified diff; with --json the resulting "
                             "settings) and write nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _report(outcome_json: dict[str, object], text: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps(outcome_json, indent=2, ensure_ascii=False))
    else:
        print(text)


_MCP_WORDS = {"wrapped": "now runs through approvald", "unwrapped": "restored",
              "already": "already runs through approvald", "not-wrapped": "left as it is",
              "skipped": "left as it is", "left": "left as it is"}


def _mcp(verb: str, opts: argparse.Namespace) -> int:
    from approvald.install.mcp import change_mcp

    try:
        outcome = change_mcp(opts.agent, wrap=verb == "install", scope=opts.scope,
                             project=opts.project, dry_run=opts.dry_run)
    except InstallError as exc:
        print(f"approvald {verb}: {exc}", file=sys.stderr)
        return 1
    if opts.json:
        print(json.dumps(outcome.to_json(), indent=2, ensure_ascii=False))
        return 0
    if opts.dry_run:
        diff = outcome.diff()
        print(diff if diff else f"no change: {outcome.file} already as it would be\n", end="")
        return 0
    if not outcome.changes:
        print(f"no MCP servers in {outcome.file}; nothing changed")
        return 0
    for change in outcome.changes:
        note = f" ({change.note})" if change.note else ""
        print(f"{change.name}: {_MCP_WORDS.get(change.action, change.action)}{note}")
    saved = f" (backup: {outcome.backup})" if outcome.backup else ""
    print(f"{'wrote' if outcome.changed else 'nothing changed in'} {outcome.file}{saved}")
    return 0


def main(argv: list[str]) -> int:
    verb = argv[0] if argv and argv[0] in ("install", "uninstall") else "install"
    opts = parser(verb).parse_args(argv[1:] if argv and argv[0] == verb else argv)
    if opts.mcp:
        return _mcp(verb, opts)
    from approvald.install import hooks

    if opts.plugin and opts.agent != "claude-code":
        print(f"approvald {verb}: --plugin is for claude-code only", file=sys.stderr)
        return 2
    try:
        if opts.plugin:
            from approvald.install import plugin

            outcome = (plugin.install_plugin(opts.scope, opts.project, dry_run=opts.dry_run)
                       if verb == "install" else
                       plugin.uninstall_plugin(opts.scope, opts.project, dry_run=opts.dry_run))
        elif opts.agent == "opencode":  # a plugin file of its own, not a settings entry
            from approvald.install import opencode

            outcome = (opencode.install(opts.scope, opts.project, dry_run=opts.dry_run)
                       if verb == "install" else
                       opencode.uninstall(opts.scope, opts.project, dry_run=opts.dry_run))
        elif verb == "install":
            outcome = hooks.install(opts.agent, opts.scope, opts.project, dry_run=opts.dry_run)
        else:
            outcome = hooks.uninstall(opts.agent, opts.scope, opts.project,
                                      dry_run=opts.dry_run)
    except InstallError as exc:
        print(f"approvald {verb}: {exc}", file=sys.stderr)
        return 1
    if opts.dry_run and not opts.json:
        diff = outcome.diff()
        print(diff if diff else f"no change: {outcome.file} already as it would be\n", end="")
        return 0
    where = str(outcome.file)
    saved = f" (backup: {outcome.backup})" if outcome.backup else ""
    what = "plugin" if opts.plugin or opts.agent == "opencode" else "hook"
    messages = {
        "installed": f"installed the approvald {what} in {where}{saved}"
                     + (f"\n{outcome.notice}" if outcome.notice else ""),
        "updated": f"updated the approvald {what} in {where}{saved}"
                   + (f"\n{outcome.notice}" if outcome.notice else ""),
        "unchanged": f"the approvald {what} is already installed in {where}; nothing changed",
        "removed": (f"removed the approvald plugin ({outcome.removed} key"
                    f"{'' if outcome.removed == 1 else 's'} from {where})" if opts.plugin else
                    f"removed the approvald plugin {where}" if opts.agent == "opencode" else
                    f"removed {outcome.removed} approvald hook entr"
                    f"{'y' if outcome.removed == 1 else 'ies'} from {where}")
                   + (" (the file held nothing else, so it is deleted)"
                      if outcome.after is None and opts.agent != "opencode" else "") + saved,
        "not-installed": f"no approvald {what} in {where}; nothing changed",
    }
    _report(outcome.to_json(), messages[outcome.action], opts.json)
    return 0
