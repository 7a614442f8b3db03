"""`approvald hook AGENT`: the command an agent's settings run before every tool call.

No argparse here: this runs on every tool call and every millisecond of start-up shows.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from approvald.hook.runner import USAGE
    from approvald.hook.runner import main as run_hook

    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if len(argv) not in (1, 2):
        # Exit 2 with the reason on stderr: an agent that ran us by mistake still blocks.
        sys.stderr.write(f"approvald hook: give one agent (and at most one event)\n{USAGE}\n")
        return 2
    return run_hook(argv[0], argv[1] if len(argv) == 2 else None)
