"""`approvald mcp wrap|serve|pins`: the local MCP gateway.

    approvald mcp wrap --name NAME [--agent A] [--env VAR=VALUE ...] -- CMD [ARGS...]
    approvald mcp wrap --name NAME [--agent A] --url URL [--header 'Name: value' ...]
    approvald mcp serve [--name NAME]
    approvald mcp pins list [--json] [NAME]
    approvald mcp pins accept NAME [TOOL]

`wrap` and `serve` speak MCP on stdio and are started by the agent (`approvald install AGENT
--mcp` writes them into its configuration). A header or env value may hold `{lease:LEASE_ID}`:
the gateway resolves it through the daemon, so the credential never sits in the agent's
configuration. `pins` works with or without a daemon (without one, on the database directly,
audited as `via: cli`); accepting is the operator's act, like approving.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from approvald.cli.output import fail
from approvald.paths import get_paths
from approvald.wire.client import DaemonClient
from approvald.wire.errors import DaemonError, DaemonUnavailable

PROG = "approvald mcp"
_HEADER = re.compile(r"([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*:\s*(.*)")
_ENV = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.DOTALL)
_SERVER_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def _wrap_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{PROG} wrap",
        usage=f"{PROG} wrap --name NAME [--env VAR=VALUE ...] -- CMD [ARGS...]\n"
              f"       {PROG} wrap --name NAME --url URL [--header 'Name: value' ...]",
        description="an MCP server on stdio in front of an upstream MCP server: every tool "
                    "call goes through approvald's policy, approvals and redaction")
    parser.add_argument("--name", required=True,
                        help="the server's name, as the agent knows it (tools show as "
                             "mcp__NAME__TOOL)")
    parser.add_argument("--url", help="a streamable-HTTP upstream instead of a command")
    parser.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="an HTTP header for --url (a value may hold {lease:LEASE_ID})")
    parser.add_argument("--env", action="append", default=[], metavar="VAR=VALUE",
                        help="an environment variable for the upstream command (a value may "
                             "hold {lease:LEASE_ID})")
    parser.add_argument("--agent", default="mcp",
                        help="the agent this runs for, as approvals show it (default: mcp)")
    return parser


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    if "--" in argv:
        at = argv.index("--")
        return argv[:at], argv[at + 1:]
    return argv, []


def wrap(argv: list[str]) -> int:
    own, command = _split(argv)
    opts = _wrap_parser().parse_args(own)
    prog = f"{PROG} wrap"
    if not _SERVER_NAME.fullmatch(opts.name):
        return fail(prog, "--name must be 1 to 64 letters, digits, '.', '_' or '-'", 2)
    if bool(opts.url) == bool(command):
        return fail(prog, "give either --url URL or the upstream command after `--`", 2)
    if opts.url and not opts.url.startswith(("http://", "https://")):
        return fail(prog, f"--url must be an http:// or https:// URL, not {opts.url!r}", 2)
    if opts.header and not opts.url:
        return fail(prog, "--header goes with --url", 2)
    if opts.env and opts.url:
        return fail(prog, "--env goes with an upstream command", 2)
    headers: dict[str, str] = {}
    for text in opts.header:
        match = _HEADER.fullmatch(text)
        if not match:
            return fail(prog, f"--header must be 'Name: value', not {text!r}", 2)
        headers[match.group(1)] = match.group(2)
    env: dict[str, str] = {}
    for text in opts.env:
        match = _ENV.fullmatch(text)
        if not match:
            return fail(prog, f"--env must be VAR=VALUE, not {text!r}", 2)
        env[match.group(1)] = match.group(2)

    from approvald.gateway.run import run
    from approvald.gateway.upstream import UpstreamSpec
    from approvald.gateway.wrap import serve

    spec = UpstreamSpec(command=tuple(command), url=opts.url or "", headers=headers, env=env)
    paths = get_paths()
    return run(lambda: serve(paths, opts.name, spec, agent=opts.agent), prog)


def serve_builtin(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog=f"{PROG} serve",
        description="an MCP server on stdio with governed built-in tools (run_command, "
                    "read_file, write_file, http_request), each an action under the policy")
    parser.add_argument("--name", default="approvald",
                        help="the server's name as the agent knows it (default: approvald)")
    parser.add_argument("--agent", default="mcp", help="the agent this runs for")
    opts = parser.parse_args(argv)
    if not _SERVER_NAME.fullmatch(opts.name):
        return fail(f"{PROG} serve", "--name must be 1 to 64 letters, digits, '.', '_' or '-'",
                    2)
    from approvald.gateway.builtin import serve
    from approvald.gateway.run import run

    paths = get_paths()
    return run(lambda: serve(paths, opts.name, agent=opts.agent), f"{PROG} serve")


# -- pins -----------------------------------------------------------------------------------

def _pins(server: str | None) -> list[dict[str, Any]]:
    try:
        return DaemonClient().pins(server)
    except DaemonUnavailable:
        from approvald.gateway.pins import offline_pins

        with offline_pins(get_paths(), "cli") as book:
            return [pin.to_json() for pin in book.pins(server)]


def _accept(server: str, tool: str | None) -> list[dict[str, Any]]:
    try:
        return DaemonClient().accept_pins(server, tool)
    except DaemonUnavailable:
        from approvald.gateway.pins import offline_pins

        with offline_pins(get_paths(), "cli") as book:
            return [pin.to_json() for pin in book.accept(server, tool, by="cli")]


def _show(pins: list[dict[str, Any]]) -> str:
    from approvald.model.pins import definition_diff

    if not pins:
        return "no MCP tools pinned yet (they are pinned when a gateway first lists them)\n"
    width = max(len(p["server"]) for p in pins)
    tool_width = max(len(p["tool"]) for p in pins)
    lines = []
    for pin in pins:
        lines.append(f"{pin['server']:<{width}}  {pin['tool']:<{tool_width}}  {pin['status']}")
        if pin["status"] != "pinned":
            kinds = ", ".join(dict.fromkeys(f.get("kind", "") for f in pin["findings"]))
            if kinds:
                lines.append(f"    findings: {kinds}")
            lines += [f"    {line}" for line in definition_diff(pin["definition"],
                                                                pin["seen_definition"])]
            lines.append(f"    accept with: approvald mcp pins accept {pin['server']} "
                         f"{pin['tool']}")
    return "\n".join(lines) + "\n"


def pins(argv: list[str]) -> int:
    prog = f"{PROG} pins"
    verb = argv[0] if argv else "list"
    rest = argv[1:] if argv else []
    if verb == "list":
        parser = argparse.ArgumentParser(prog=f"{prog} list",
                                         description="the MCP tools pinned, and those withheld")
        parser.add_argument("server", nargs="?", help="only this server's tools")
        parser.add_argument("--json", action="store_true", help="print JSON")
        opts = parser.parse_args(rest)
        try:
            found = _pins(opts.server)
        except DaemonError as exc:
            return fail(prog, str(exc))
        if opts.json:
            print(json.dumps({"pins": found}, indent=2, ensure_ascii=False))
        else:
            print(_show(found), end="")
        return 0
    if verb == "accept":
        parser = argparse.ArgumentParser(
            prog=f"{prog} accept",
            description="accept the definitions now seen of a server's withheld tools")
        parser.add_argument("server")
        parser.add_argument("tool", nargs="?", help="only this tool (default: all withheld)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        opts = parser.parse_args(rest)
        try:
            accepted = _accept(opts.server, opts.tool)
        except DaemonError as exc:
            return fail(prog, str(exc))
        if not accepted:
            what = f"tool {opts.tool!r} of " if opts.tool else ""
            return fail(prog, f"nothing to accept: no withheld {what}MCP server "
                              f"{opts.server!r}")
        if opts.json:
            print(json.dumps({"accepted": accepted}, indent=2, ensure_ascii=False))
        else:
            for pin in accepted:
                print(f"accepted {pin['server']} {pin['tool']} ({pin['digest']})")
        return 0
    return fail(prog, f"unknown pins command {verb!r} (list, accept)", 2)


def parser() -> argparse.ArgumentParser:
    """The command's words at once, for shell completion (`approvald completion`); each
    subcommand parses its own arguments when it runs."""
    whole = argparse.ArgumentParser(prog=PROG, description="the local MCP gateway")
    sub: Any = whole.add_subparsers(dest="command")
    sub.add_parser("wrap", help="an MCP server in front of an upstream one",
                   parents=[_wrap_parser()], add_help=False)
    serve = sub.add_parser("serve", help="governed built-in tools over MCP")
    serve.add_argument("--name")
    serve.add_argument("--agent")
    pin_words = sub.add_parser("pins", help="pinned MCP tool definitions").add_subparsers()
    pin_words.add_parser("list", help="the tools pinned, and those withheld").add_argument(
        "--json", action="store_true")
    pin_words.add_parser("accept", help="accept a withheld tool's new definition")
    return whole


def main(argv: list[str]) -> int:
    commands = {"wrap": wrap, "serve": serve_builtin, "pins": pins}
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[1] if __doc__ else "")
        return 0 if argv else 2
    handler = commands.get(argv[0])
    if handler is None:
        return fail(PROG, f"unknown command {argv[0]!r} (wrap, serve, pins)", 2)
    return handler(argv[1:])
