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
from approvald.install import InstallError


def _parser(verb: str) -> argparse.ArgumentParser:
    what = ("add the approvald hook to an agent's settings (merged, with a backup)"
            if verb == "install" else "remove exactly the hook entries install added")
    parser = argparse.ArgumentParser(prog=f"approvald {verb}", description=what)
    parser.add_argument("agent", choices=tuple(AGENTS),
                        help="the agent whose settings to change")
    parser.add_argument("--scope", choices=("user", "project", "local"), default=None,
                        help="user: the agent's settings in your home (~/.claude/settings.json,"
                             " ~/.codex/hooks.json, ~/.gemini/settings.json, ~/.cursor/"
                             "hooks.json); project: the same under the project (Copilot CLI: "
                             ".github/hooks/approvald.json, its only scope); local: Claude "
                             "Code's <project>/.claude/settings.local.json (default: user, or "
                             "the agent's only scope)")
    parser.add_argument("--project", type=Path, metavar="DIR",
                        help="the project directory for --scope project|local (default: cwd)")
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


def main(argv: list[str]) -> int:
    verb = argv[0] if argv and argv[0] in ("install", "uninstall") else "install"
    opts = _parser(verb).parse_args(argv[1:] if argv and argv[0] == verb else argv)
    from approvald.install import hooks

    try:
        if verb == "install":
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
    messages = {
        "installed": f"installed the approvald hook in {where}{saved}"
                     + (f"\n{outcome.notice}" if outcome.notice else ""),
        "updated": f"updated the approvald hook in {where}{saved}"
                   + (f"\n{outcome.notice}" if outcome.notice else ""),
        "unchanged": f"the approvald hook is already installed in {where}; nothing changed",
        "removed": f"removed {outcome.removed} approvald hook entr"
                   f"{'y' if outcome.removed == 1 else 'ies'} from {where}"
                   + (" (the file held nothing else, so it is deleted)"
                      if outcome.after is None else "") + saved,
        "not-installed": f"no approvald hook in {where}; nothing changed",
    }
    _report(outcome.to_json(), messages[outcome.action], opts.json)
    return 0
