"""`approvald exec --lease ID --env VAR [--lease ID --env VAR ...] -- CMD [ARGS...]`.

Resolves every lease through the daemon (one all-or-nothing call with the operator token; the
daemon checks expiry, revocation, the session and program bindings and single use, and is the
only process that reads the keyring), then runs CMD with each value in its VAR and its stdout
and stderr redacted. With no daemon running it exits 1 (`no daemon: start approvald daemon`):
resolving locally would bypass the daemon's audit and its single-use bookkeeping.

The agent session is taken from APPROVALD_SESSION_ID, else CLAUDE_SESSION_ID. Any refusal:
exit 1 with one line on stderr, and CMD is never started. Otherwise the exit code is CMD's
(128 + N when a signal N ended it).
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from approvald.cli.output import Parser, fail
from approvald.settings import SESSION_ID_ENV
from approvald.wire.client import DaemonClient
from approvald.wire.errors import DaemonError, DaemonUnavailable

PROG = "approvald exec"
SESSION_ENV = (SESSION_ID_ENV, "CLAUDE_SESSION_ID")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG, usage=f"{PROG} --lease LEASE_ID --env VAR [--lease ... --env ...] -- CMD "
                         "[ARGS...]",
        description="run one command with leased secrets in its environment, output redacted",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
            "examples:\n"
            "  approvald exec --lease ls_3f9a... --env GH_TOKEN -- gh pr create --fill\n"
            "  approvald exec --lease ls_a... --env AWS_ACCESS_KEY_ID --lease ls_b... \\\n"
            "      --env AWS_SECRET_ACCESS_KEY -- aws s3 ls\n"
            "The lease id is given whole here (it is what the agent was handed)."))
    parser.add_argument("--lease", action="append", default=[], metavar="LEASE_ID",
                        help="a lease to resolve (pairs with the --env that follows it)")
    parser.add_argument("--env", action="append", default=[], metavar="VAR",
                        help="the environment variable that gets the lease's value")
    return parser


def _fail(message: str, code: int = 1) -> int:
    return fail(PROG, message, code)


def session_id(environ: dict[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    for name in SESSION_ENV:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def main(argv: list[str]) -> int:
    if "--" in argv:
        split = argv.index("--")
        own, command = argv[:split], argv[split + 1:]
    else:
        own, command = argv, []
    opts = parser().parse_args(own)
    if not command:
        return _fail("give the command after `--`: exec --lease ID --env VAR -- CMD", 2)
    if not opts.lease:
        return _fail("give at least one --lease LEASE_ID --env VAR", 2)
    if len(opts.lease) != len(opts.env):
        return _fail("give one --env VAR for each --lease", 2)
    for var in opts.env:
        if not _ENV_NAME.fullmatch(var):
            return _fail(f"invalid environment variable name {var!r}", 2)
    if len(set(opts.env)) != len(opts.env):
        return _fail("each --env VAR may be given once", 2)

    pairs = zip(opts.lease, opts.env, strict=True)
    body = {"leases": [{"lease_id": lease, "env": var} for lease, var in pairs],
            "session_id": session_id(), "command": command}
    try:
        answer = DaemonClient().resolve_leases(body)
    except DaemonUnavailable:
        return _fail("no daemon: start `approvald daemon`")
    except DaemonError as exc:
        return _fail(str(exc))

    env_values: dict[str, str] = {}
    secrets: list[tuple[str, str]] = []
    for item in answer.get("leases", []):
        value = item.get("value")
        if not isinstance(value, str) or not value:
            return _fail(f"the daemon gave no value for lease {item.get('lease_id')}")
        env_values[str(item["env"])] = value
        secrets.append((str(item["name"]), value))
    if set(env_values) != set(opts.env):
        return _fail("the daemon's answer does not match the leases asked for")

    from approvald.secrets.exec import run_redacted

    code = run_redacted(command, env_values=env_values, secrets=secrets)
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        # Our reader went away: keep Python from complaining about it at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return code
