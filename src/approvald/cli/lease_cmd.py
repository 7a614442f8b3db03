"""`approvald lease NAME --ttl SECONDS`, `lease revoke LEASE_ID`, `lease list`.

Leases are the daemon's: creating and listing go through it (it audits and publishes every lease
event), so a daemon must run. Revoking also works with no daemon running: it only takes rights
away, and with no daemon no lease can be resolved anyway.

An agent running `approvald lease ...` through its shell is asked about by the starter policy
(REQUIRE_APPROVAL); the operator running it in their own terminal is not.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from approvald.cli.output import Parser, duration, fail
from approvald.paths import get_paths
from approvald.secrets.offline import offline_credentials
from approvald.settings import safe_load_settings
from approvald.storage.leases import LeaseError
from approvald.wire.client import DaemonClient
from approvald.wire.errors import DaemonError, DaemonUnavailable

PROG = "approvald lease"
SUBCOMMANDS = ("create", "list", "revoke", "show")


def _create_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=f"{PROG} [create]",
        description="hand out a short-lived lease on a stored secret "
                    f"(also: `{PROG} list`, `{PROG} revoke LEASE_ID`, `{PROG} show LEASE_ID`)",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
            "examples:\n"
            f"  {PROG} GITHUB_TOKEN                       10 minutes (lease_ttl_s)\n"
            f"  {PROG} GITHUB_TOKEN --ttl 1h --for 'gh *' --single-use\n"
            f"  {PROG} list\n"
            f"  {PROG} revoke 3f9a                        any unique prefix of the id"))
    parser.add_argument("name", help="the secret's name")
    parser.add_argument("--ttl", type=duration, default=None, metavar="DURATION",
                        help="lifetime: seconds, or 90s, 10m, 1h30m, 2d (default: "
                             "lease_ttl_s in config.toml, else 10m)")
    parser.add_argument("--session", default=None, metavar="ID",
                        help="only an exec in this agent session may use it")
    parser.add_argument("--for", dest="for_pattern", default=None, metavar="PATTERN",
                        help="only commands matching this pattern may use it (e.g. 'gh *')")
    parser.add_argument("--single-use", action="store_true", help="the first exec consumes it")
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _list_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=f"{PROG} list", description="active leases")
    parser.add_argument("--all", action="store_true", help="include ended leases")
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _id_parser(verb: str, text: str) -> argparse.ArgumentParser:
    parser = Parser(prog=f"{PROG} {verb}", description=text)
    parser.add_argument("lease_id")
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def parser() -> argparse.ArgumentParser:
    """The whole grammar at once, for `--help` overviews and shell completion (the command
    itself dispatches on its first word: `lease NAME ...` is `lease create NAME ...`)."""
    whole = Parser(prog=PROG, description="hand out short-lived leases on stored secrets")
    sub: Any = whole.add_subparsers(dest="command")
    for name, build, text in (("create", _create_parser, "a new lease (the default)"),
                              ("list", _list_parser, "active leases")):
        sub.add_parser(name, help=text, parents=[build()], add_help=False)
    for verb, text in (("revoke", "revoke a lease at once"), ("show", "one lease")):
        sub.add_parser(verb, help=text, parents=[_id_parser(verb, text)], add_help=False)
    return whole


def _fail(message: str, code: int = 1) -> int:
    return fail(PROG, message, code)


def _remaining(lease: dict[str, Any]) -> str:
    if lease.get("status") != "active":
        return str(lease.get("status"))
    seconds = float(lease.get("remaining_s") or 0)
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s left" if seconds >= 60 else \
        f"{seconds:.0f}s left"


def _bindings(lease: dict[str, Any]) -> str:
    parts = []
    if lease.get("session_id"):
        parts.append(f"session {lease['session_id']}")
    if lease.get("for_pattern"):
        parts.append(f"for {lease['for_pattern']!r}")
    if lease.get("single_use"):
        parts.append("single use")
    return ", ".join(parts) or "unbound"


def render_leases(items: list[dict[str, Any]]) -> str:
    if not items:
        return "no active leases"
    return "\n".join(f"{item['lease_id']}  {item['name']}  {_remaining(item)}  "
                     f"expires {item.get('expires_at')}  ({_bindings(item)})" for item in items)


def cmd_create(argv: list[str]) -> int:
    opts = _create_parser().parse_args(argv)
    ttl = opts.ttl if opts.ttl is not None else safe_load_settings(get_paths().config).lease_ttl_s
    body = {"name": opts.name, "ttl_s": ttl, "session_id": opts.session,
            "for_pattern": opts.for_pattern, "single_use": opts.single_use,
            "requested_by": "cli"}
    lease = DaemonClient().create_lease(body)
    if opts.json:
        print(json.dumps({"lease_id": lease["lease_id"], "name": lease["name"],
                          "expires_at": lease["expires_at"], "status": lease.get("status"),
                          "session_id": lease.get("session_id"),
                          "for_pattern": lease.get("for_pattern"),
                          "single_use": lease.get("single_use")}))
    else:
        print(lease["lease_id"])
        print(f"lease on {lease['name']} expires {lease['expires_at']} ({_bindings(lease)}); "
              f"use: approvald exec --lease {lease['lease_id']} --env VAR -- COMMAND",
              file=sys.stderr)
    return 0


def cmd_list(argv: list[str]) -> int:
    opts = _list_parser().parse_args(argv)
    paths = get_paths()
    try:
        items = DaemonClient(paths).leases(include_inactive=opts.all)
    except DaemonUnavailable:
        items = []
        if paths.database.exists():
            with offline_credentials(paths) as credentials:
                items = credentials.list_leases(include_inactive=opts.all)
    if opts.json:
        print(json.dumps({"leases": items}, indent=2, ensure_ascii=False))
    else:
        print(render_leases(items))
    return 0


def cmd_revoke(argv: list[str]) -> int:
    opts = _id_parser("revoke", "revoke a lease at once").parse_args(argv)
    paths = get_paths()
    try:
        lease = DaemonClient(paths).revoke_lease(opts.lease_id)
    except DaemonUnavailable:
        if not paths.database.exists():
            return _fail(f"unknown lease {opts.lease_id}")
        try:
            with offline_credentials(paths) as credentials:
                lease = credentials.revoke_lease(opts.lease_id)
        except LeaseError as exc:
            return _fail(str(exc))
    if opts.json:
        print(json.dumps(lease))
    else:
        print(f"revoked {lease['lease_id']} ({lease['name']})")
    return 0


def cmd_show(argv: list[str]) -> int:
    opts = _id_parser("show", "one lease").parse_args(argv)
    lease = DaemonClient().lease(opts.lease_id)
    print(json.dumps(lease, indent=2) if opts.json else render_leases([lease]))
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        _create_parser().print_help()
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    handlers = {"create": cmd_create, "list": cmd_list, "revoke": cmd_revoke, "show": cmd_show}
    handler = handlers.get(command)
    if handler is None:
        handler, rest = cmd_create, argv  # `lease NAME --ttl ...`
    try:
        return handler(rest)
    except DaemonError as exc:
        return _fail(str(exc))
