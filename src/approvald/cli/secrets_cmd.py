"""`approvald secrets set|list|rm`: credentials in the OS keyring.

The value is read from stdin (or a hidden prompt at a terminal), never from the command line,
and goes to the OS keyring only (service `approvald`, user NAME). Metadata (description, times)
goes to the daemon's database: through the daemon when one runs (it records the change in the
audit log), directly with SQLite otherwise.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from approvald.cli.output import Parser, fail
from approvald.paths import get_paths
from approvald.secrets import SecretNameError, validate_name
from approvald.secrets.offline import offline_credentials
from approvald.wire.client import DaemonClient
from approvald.wire.errors import DaemonError, DaemonUnavailable

PROG = "approvald secrets"


def parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="store credentials in the OS keyring",
                    formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
                        "examples:\n"
                        "  approvald secrets set GITHUB_TOKEN        hidden prompt, twice\n"
                        "  gh auth token | approvald secrets set GITHUB_TOKEN\n"
                        "  approvald secrets list\n"
                        "  approvald secrets rm GITHUB_TOKEN         also revokes its leases"))
    sub = parser.add_subparsers(dest="command", required=True)
    put = sub.add_parser("set", help="store a secret (value from stdin or a hidden prompt)")
    put.add_argument("name")
    put.add_argument("--description", default=None, help="what the secret is for")
    listing = sub.add_parser("list", help="names and metadata (never values)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    remove = sub.add_parser("rm", help="remove a secret and revoke its leases")
    remove.add_argument("name")
    remove.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _fail(message: str, code: int = 1) -> int:
    return fail(PROG, message, code)


def read_value(name: str) -> str:
    """The value from stdin (one trailing newline dropped) or, at a terminal, a hidden prompt."""
    if sys.stdin is None:
        raise ValueError("no value given: pipe it on stdin")
    if sys.stdin.isatty():
        value = getpass.getpass(f"value for {name} (hidden): ")
        again = getpass.getpass("again, to confirm: ")
        if value != again:
            raise ValueError("the two entries differ; nothing stored")
        return value
    value = _stdin_text()
    if value.endswith("\r\n"):
        value = value[:-2]
    elif value.endswith("\n"):
        value = value[:-1]
    return value


class NotText(ValueError):
    """The value is not UTF-8 text (unusable input: exit 2)."""


def _stdin_text() -> str:
    """All of stdin as UTF-8 text, decoded strictly: a keyring entry cannot hold anything else
    (the locale's decoding may let bytes through as lone surrogates)."""
    from approvald.wire.jsontext import is_text

    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:
        value = sys.stdin.read()
    else:
        data = buffer.read()
        try:
            value = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotText(f"the value on stdin is not UTF-8 text (byte {exc.start}: "
                          f"{exc.reason}); nothing stored") from None
    if not is_text(value):
        raise NotText("the value on stdin is not UTF-8 text; nothing stored")
    return value


def _safe_description(description: str | None, name: str, value: str) -> str | None:
    """A description never carries the value (or a token-looking string) into the database."""
    if description is None:
        return None
    from approvald.redaction import redact_text

    return redact_text(description, extra_values=[(name, value)])[:500]


def cmd_set(name: str, description: str | None) -> int:
    from approvald.secrets.keyring import KeyringFailure, KeyringUnavailable, SecretKeyring

    try:
        value = read_value(name)
    except NotText as exc:
        return _fail(str(exc), 2)
    except (ValueError, EOFError, KeyboardInterrupt) as exc:
        return _fail(str(exc) or "cancelled")
    if not value:
        return _fail("empty value: nothing stored")
    keyring = SecretKeyring()
    try:
        keyring.set(name, value)
    except (KeyringUnavailable, KeyringFailure) as exc:
        return _fail(str(exc))
    description = _safe_description(description, name, value)
    paths = get_paths()
    try:
        result = DaemonClient(paths).secret_stored(name, description)
    except DaemonUnavailable:
        with offline_credentials(paths) as credentials:
            result = credentials.secret_stored(name, description)
    except DaemonError as exc:
        return _fail(f"stored in the keyring, but the daemon refused the metadata: {exc}")
    verb = "stored" if result.get("created") else "updated"
    print(f"{verb} {name} in the OS keyring ({keyring.describe()})")
    return 0


def render_secrets(items: list[dict[str, Any]]) -> str:
    if not items:
        return "no secrets stored (add one: printf %s \"$VALUE\" | approvald secrets set NAME)"
    width = max(len(item["name"]) for item in items)
    lines = [f"{'NAME':<{width}}  {'CREATED':<29}  {'LAST LEASED':<29}  LEASES  DESCRIPTION"]
    for item in items:
        lines.append(f"{item['name']:<{width}}  {item.get('created_at') or '-':<29}  "
                     f"{item.get('last_leased_at') or '-':<29}  "
                     f"{item.get('active_leases', 0):>6}  {item.get('description') or ''}")
    return "\n".join(lines)


def cmd_list(as_json: bool) -> int:
    paths = get_paths()
    try:
        items = DaemonClient(paths).secrets()
    except DaemonUnavailable:
        items = []
        if paths.database.exists():
            with offline_credentials(paths) as credentials:
                items = credentials.list_secrets()
    except DaemonError as exc:
        return _fail(str(exc))
    if as_json:
        print(json.dumps({"secrets": items}, indent=2, ensure_ascii=False))
    else:
        print(render_secrets(items))
    return 0


def cmd_rm(name: str, as_json: bool) -> int:
    from approvald.secrets.keyring import KeyringFailure, KeyringUnavailable, SecretKeyring

    try:
        in_keyring = SecretKeyring().delete(name)
    except (KeyringUnavailable, KeyringFailure) as exc:
        return _fail(str(exc))
    paths = get_paths()
    try:
        result = DaemonClient(paths).secret_removed(name)
    except DaemonUnavailable:
        result = {"removed": False, "revoked": []}
        if paths.database.exists():
            with offline_credentials(paths) as credentials:
                result = credentials.secret_removed(name)
    except DaemonError as exc:
        return _fail(f"removed from the keyring, but the daemon refused: {exc}")
    if not in_keyring and not result.get("removed"):
        return _fail(f"no secret named {name!r}")
    if as_json:
        print(json.dumps({"name": name, "removed": True, "revoked": result.get("revoked", [])}))
    else:
        revoked = result.get("revoked") or []
        extra = f"; revoked {len(revoked)} lease(s): {', '.join(revoked)}" if revoked else ""
        print(f"removed {name}{extra}")
    return 0


def main(argv: list[str]) -> int:
    opts = parser().parse_args(argv)
    if opts.command in ("set", "rm"):
        try:
            validate_name(opts.name)
        except SecretNameError as exc:
            return _fail(str(exc), 2)
    if opts.command == "set":
        return cmd_set(opts.name, opts.description)
    if opts.command == "list":
        return cmd_list(opts.json)
    return cmd_rm(opts.name, opts.json)
