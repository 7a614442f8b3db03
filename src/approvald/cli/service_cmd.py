"""`approvald service install|uninstall|status`: the daemon as a login service.

systemd user unit on Linux, launchd agent on macOS; on Windows it prints the scheduled task to
create. `--dry-run` shows the file and the commands without touching anything; `--no-start`
writes (or removes) the file but runs no service manager command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from approvald import service
from approvald.cli.output import Parser
from approvald.paths import get_paths


def parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="approvald service", description="install the daemon as a login service")
    sub = parser.add_subparsers(dest="action", required=True)
    for name, text in (("install", "write the service file and start the daemon"),
                       ("uninstall", "stop the daemon and remove the service file"),
                       ("status", "is the service installed and running?")):
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.add_argument("--platform", choices=service.PLATFORMS,
                         help="service manager (default: this machine's)")
        cmd.add_argument("--json", action="store_true", help="print the result as JSON")
        if name != "status":
            cmd.add_argument("--dry-run", action="store_true",
                             help="show what would be written and run; change nothing")
            cmd.add_argument("--no-start", action="store_true",
                             help="write/remove the file only; run no service manager command")
    return parser


def _print_plan(plan: service.ServicePlan, verb: str) -> None:
    if plan.unit_path is not None:
        print(f"# {verb} {plan.unit_path}")
        if plan.content:
            print(plan.content, end="" if plan.content.endswith("\n") else "\n")
    for note in plan.notes:
        print(note)
    if plan.platform != "windows":
        for step in plan.steps:
            print("$ " + " ".join(step.argv))


def _run_steps(steps: list[service.Step]) -> tuple[list[service.CommandResult], str | None]:
    results = []
    for step in steps:
        result = service.run_command(step.argv)
        results.append(result)
        if result.returncode != 0 and not step.may_fail:
            first = result.output.splitlines()[0] if result.output else f"exit {result.returncode}"
            return results, f"`{' '.join(step.argv)}` failed: {first}"
    return results, None


def _install(args: argparse.Namespace, platform: str) -> int:
    plan = service.plan_install(platform, service.approvald_argv(), dict(os.environ),
                                get_paths().log)
    if args.dry_run or platform == "windows":
        if args.json:
            print(json.dumps({"dry_run": args.dry_run, **plan.to_json()}, indent=2))
        else:
            _print_plan(plan, "would write")
        if platform == "windows" and not args.dry_run:
            print("approvald: service install is not automated on Windows; "
                  "create the scheduled task shown above", file=sys.stderr)
            return 1
        return 0
    before = [s for s in plan.steps if s.before_file]
    after = [s for s in plan.steps if not s.before_file]
    results: list[service.CommandResult] = []
    error = None
    if not args.no_start:
        results, error = _run_steps(before)
    service.write_unit(plan)
    if not args.no_start and error is None:
        more, error = _run_steps(after)
        results += more
    return _report(args, plan, "wrote", results, error, started=not args.no_start)


def _uninstall(args: argparse.Namespace, platform: str) -> int:
    plan = service.plan_uninstall(platform, dict(os.environ))
    if args.dry_run or platform == "windows":
        if args.json:
            print(json.dumps({"dry_run": args.dry_run, **plan.to_json()}, indent=2))
        else:
            _print_plan(plan, "would remove")
        return 0 if args.dry_run else 1
    results: list[service.CommandResult] = []
    error = None
    if not args.no_start:
        results, error = _run_steps([s for s in plan.steps if s.before_file])
    existed = plan.unit_path is not None and plan.unit_path.exists()
    if plan.unit_path is not None:
        plan.unit_path.unlink(missing_ok=True)
    if not args.no_start and error is None:
        more, error = _run_steps([s for s in plan.steps if not s.before_file])
        results += more
    if not existed and error is None:
        error = f"no service file at {plan.unit_path}: nothing to remove"
    return _report(args, plan, "removed", results, error, started=False)


def _report(args: argparse.Namespace, plan: service.ServicePlan, verb: str,
            results: list[service.CommandResult], error: str | None, started: bool) -> int:
    if args.json:
        print(json.dumps({"ok": error is None, "platform": plan.platform,
                          "unit_path": str(plan.unit_path), verb: True,
                          "commands": [r.to_json() for r in results], "error": error}, indent=2))
    else:
        print(f"{verb} {plan.unit_path}")
        for result in results:
            print(f"$ {' '.join(result.argv)}  (exit {result.returncode})")
        if verb == "wrote" and not started:
            print("not started (--no-start); start it with:")
            for step in plan.steps:
                if not step.before_file:
                    print("  " + " ".join(step.argv))
    if error is not None:
        print(f"approvald: {error}", file=sys.stderr)
        return 1
    return 0


def _status(args: argparse.Namespace, platform: str) -> int:
    plan = service.plan_uninstall(platform, dict(os.environ))
    installed = plan.unit_path.exists() if plan.unit_path is not None else None
    result = service.run_command(service.status_command(platform))
    running = result.returncode == 0
    if args.json:
        print(json.dumps({"platform": platform, "unit_path": str(plan.unit_path)
                          if plan.unit_path else None, "installed": installed,
                          "running": running, "detail": result.output}, indent=2))
    else:
        where = f" ({plan.unit_path})" if plan.unit_path else ""
        print(f"{platform}: installed={installed}{where} running={running}")
    return 0 if running else 1


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    platform = args.platform or service.detect_platform()
    if args.action == "install":
        return _install(args, platform)
    if args.action == "uninstall":
        return _uninstall(args, platform)
    return _status(args, platform)
