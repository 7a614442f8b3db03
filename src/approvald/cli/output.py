"""What every command prints the same way."""

from __future__ import annotations

import argparse
import sys


def fail(prog: str, message: str, code: int = 1) -> int:
    """`PROG: message` on stderr; returns the exit code to return."""
    print(f"{prog}: {message}", file=sys.stderr)
    return code


def parser_with_examples(prog: str, description: str | None, examples: str
                         ) -> argparse.ArgumentParser:
    """A parser whose `--help` ends with `examples` as written (its line breaks kept)."""
    return argparse.ArgumentParser(prog=prog, description=description, epilog=examples,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
