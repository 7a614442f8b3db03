"""`approvald doctor [--json] [--project DIR] [--home DIR]`: find what goes around approvald.

Exit 0 when nothing high was found, 1 otherwise, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from approvald.cli.output import Parser

if TYPE_CHECKING:
    from approvald.doctor.findings import Finding

_LABEL = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW", "info": "INFO"}


def parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="approvald doctor",
        description="Check agent configs (Claude Code, Codex, Cursor, Gemini CLI, Copilot CLI, "
        "OpenCode) and approvald's own setup for ways around approvald.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
            "examples:\n"
            "  approvald doctor                     this project and your home\n"
            "  approvald doctor --project ~/src/app --json\n"
            "Exit 1 when a high finding is left."),
    )
    parser.add_argument("--json", action="store_true", help='print {"findings": [...]}')
    parser.add_argument("--project", metavar="DIR", help="project to check (default: cwd)")
    parser.add_argument("--home", metavar="DIR", help="user home to check (default: $HOME)")
    parser.add_argument(
        "--no-daemon", action="store_true", help="do not try to reach the daemon"
    )
    return parser


def main(argv: list[str]) -> int:
    opts = parser().parse_args(argv)

    home = Path(opts.home or os.environ.get("HOME") or Path.home()).expanduser()
    project: Path | None = None
    if opts.project is not None:
        project = Path(opts.project).expanduser()
        if not project.is_dir():
            print(f"approvald doctor: --project {opts.project}: not a directory", file=sys.stderr)
            return 2
    else:
        cwd = Path.cwd()
        project = None if cwd == home else cwd
    if not home.is_dir():
        print(f"approvald doctor: home {home}: not a directory", file=sys.stderr)
        return 2

    from approvald.doctor import scan
    from approvald.doctor.findings import counts, has_high
    from approvald.paths import get_paths

    project = project.resolve() if project is not None else None
    # Claude Code's own relocation of ~/.claude, honoured like `approvald install` does
    # (unless --home points doctor at another user's home).
    claude_dir = os.environ.get("CLAUDE_CONFIG_DIR", "").strip()
    claude_config_dir = Path(claude_dir).expanduser() if claude_dir and not opts.home else None
    findings = scan(home, project, get_paths(), check_daemon=not opts.no_daemon,
                    claude_config_dir=claude_config_dir)
    if opts.json:
        print(
            json.dumps(
                {
                    "findings": [f.to_json() for f in findings],
                    "counts": counts(findings),
                    "home": str(home),
                    "project": str(project) if project else None,
                },
                indent=2,
            )
        )
    else:
        _print_human(findings, counts(findings))
    return 1 if has_high(findings) else 0


def _print_human(findings: list[Finding], totals: dict[str, int]) -> None:
    summary = ", ".join(f"{n} {sev}" for sev, n in totals.items())
    if not findings:
        print("approvald doctor: no findings. Every agent config checked routes through approvald.")
        return
    print(f"approvald doctor: {summary}")
    current = ""
    for f in findings:
        if f.severity != current:
            current = f.severity
            print(f"\n{_LABEL[current]}")
        where = f"{f.file}:{f.line}" if f.file and f.line else f.file
        print(f"  [{f.agent}] {f.title}")
        if where:
            print(f"    in:  {where}")
        print(f"    why: {f.detail}")
        fix_lines = f.fix.splitlines() or [""]
        print(f"    fix: {fix_lines[0]}")
        for extra in fix_lines[1:]:
            print(f"         {extra}")
