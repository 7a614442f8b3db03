"""`approvald` command line.

Each command lives in its own module with a `main(argv) -> int`, imported only when that
command runs: `approvald hook claude-code` runs on every agent tool call and must not pay for
the daemon's, the dashboard's or the policy engine's imports.
"""

from __future__ import annotations

import importlib
import sys

from approvald import __version__

# command -> (module under approvald.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "paths": ("paths_cmd", "show where approvald keeps its state"),
    "policy": ("policy_cmd", "test and explain policy decisions without a daemon"),
    "daemon": ("daemon_cmd", "run the daemon in the foreground"),
    "status": ("status_cmd", "is a daemon answering?"),
    "hook": ("hook_cmd", "the agent hook (written into the agent's settings by install)"),
    "install": ("install_cmd", "add the approvald hook to an agent's settings"),
    "uninstall": ("install_cmd", "remove what install added"),
    "approvals": ("approvals_cmd", "list, approve and deny pending approvals"),
    "audit": ("audit_cmd", "verify, read and export the hash-chained audit log"),
    "secrets": ("secrets_cmd", "store credentials in the OS keyring"),
    "lease": ("lease_cmd", "hand out short-lived leases on a secret"),
    "exec": ("exec_cmd", "run one command with leased secrets injected and redacted"),
    "mcp": ("mcp_cmd", "the MCP gateway: wrap a server, serve built-in tools, tool pins"),
    "doctor": ("doctor_cmd", "find unguarded agent tools and setup problems"),
    "tui": ("tui_cmd", "open the approval dashboard"),
    "demo": ("demo_cmd", "daemon + dashboard + a simulated agent session"),
    "service": ("service_cmd", "install the daemon as a login service"),
    "completion": ("completion_cmd", "print a shell completion script (bash, zsh, fish)"),
}

# Commands that build much (an engine, its caches) and hold nothing that needs a finalizer.
_FREEZE_AT_EXIT = frozenset({"policy"})


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "usage: approvald [--version] COMMAND [ARGS...]",
        "",
        "commands:",
        *(f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()),
        "",
        "examples:",
        "  approvald install claude-code     add the hook to Claude Code",
        "  approvald tui                     the dashboard (starts a daemon if none runs)",
        "  approvald policy explain -c 'git push origin main'",
        "  approvald approvals approve 3f9a  any unique prefix of an id",
        "  approvald doctor                  what still goes around the hook?",
        "",
        "Run `approvald COMMAND --help` for a command's options and examples.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if args else 2
    if args[0] in ("-V", "--version", "version"):
        print(f"approvald {__version__}")
        return 0
    refused = _not_text(args)
    if refused:
        print(f"approvald: {refused}, so nothing was done", file=sys.stderr)
        return 2
    name = args[0]
    entry = COMMANDS.get(name)
    if entry is None:
        from approvald.cli.output import did_you_mean

        print(f"approvald: unknown command {name!r}{did_you_mean(name, COMMANDS)}\n\n"
              f"{_usage()}", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(f"approvald.cli.{entry[0]}")
    except ModuleNotFoundError as exc:
        if exc.name == f"approvald.cli.{entry[0]}":
            print(f"approvald: {name!r} is not available in this build", file=sys.stderr)
            return 2
        raise
    try:
        result: int = module.main(args[1:] if entry[0] != "install_cmd" else args)
        sys.stdout.flush()
    except BrokenPipeError:
        return _stdout_closed()
    if argv is None and name in _FREEZE_AT_EXIT:
        # The process ends next (the console script's sys.exit) and what the command built
        # lives until then: left out of the collector's full passes at exit, which went
        # through all of it (some 25 ms after a 4,500-line `policy test`).
        import gc

        gc.freeze()
    return result


def _not_text(args: list[str]) -> str:
    """Why an argument is refused: bytes that are not UTF-8 reach Python as lone surrogates
    (surrogateescape), which no request, record or keyring entry can carry; "" when all are
    text."""
    if all(arg.isascii() for arg in args):  # the usual case, without an import
        return ""
    import os

    from approvald.wire.jsontext import is_text

    for number, arg in enumerate(args, 1):
        if not is_text(arg):
            return f"argument {number} ({os.fsencode(arg)!r}) is not UTF-8 text"
    return ""


def _stdout_closed() -> int:
    """Whoever read our output stopped early (`approvald audit tail | head`): not an error to
    report. Later writes (and the flush at exit) go nowhere instead of raising again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141  # what a shell reports for a program ended by SIGPIPE
