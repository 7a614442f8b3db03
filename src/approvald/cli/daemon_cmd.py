"""`approvald daemon [--socket PATH]`: run the daemon in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
from pathlib import Path

from approvald.cli.output import Parser


def parser() -> argparse.ArgumentParser:
    parser = Parser(prog="approvald daemon", description=__doc__)
    parser.add_argument("--socket", type=Path, default=None,
                        help="listen on this Unix socket instead of the one `approvald paths` "
                             "shows (the hook and the CLI still dial the default one)")
    return parser


def main(argv: list[str]) -> int:
    opts = parser().parse_args(argv)
    from approvald.daemon.server import run_daemon

    return run_daemon(socket_path=opts.socket)
