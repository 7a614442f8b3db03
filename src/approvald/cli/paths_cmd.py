"""`approvald paths [--json]`."""

from __future__ import annotations

import argparse
import json

from approvald.cli.output import Parser
from approvald.paths import get_paths


def parser() -> argparse.ArgumentParser:
    parser = Parser(prog="approvald paths", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: list[str]) -> int:
    opts = parser().parse_args(argv)
    data = get_paths().as_json()
    if opts.json:
        print(json.dumps(data, indent=2))
    else:
        width = max(len(k) for k in data)
        for key, value in data.items():
            print(f"{key:<{width}}  {value}")
    return 0
