"""`approvald hook AGENT`: the command an agent's settings run before every tool call.

No argparse here: this runs on every tool call and every millisecond of start-up shows.
"""

from __future__ import annotations

import sys

USAGE = "usage: approvald hook claude-code  (reads the hook payload on stdin)"


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if argv != ["claude-code"]:
        agent = argv[0] if argv else ""
        # Exit 2 with the reason on stderr: an agent that ran us by mistake still blocks.
        print(f"approvald hook: unknown or missing agent {agent!r}\n{USAGE}", file=sys.stderr)
        return 2
    from approvald.hook.claude_code import main as claude_code_main

    return claude_code_main()
