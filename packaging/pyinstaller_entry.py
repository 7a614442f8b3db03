"""Entry point of the approvald binary (packaging/approvald.spec).

The exit code of the command (the dashboard's included) is the process's exit code. `hook`
goes straight to the hook's fast entry, before the CLI is imported.
"""

import sys

if __name__ == "__main__" and sys.argv[1:2] == ["hook"]:
    # The agent hook, on every tool call: the hook's fast entry, which loads next to nothing
    # and ends the process itself (approvald.hook.entry).
    from approvald.hook.entry import main as hook

    hook(sys.argv[1:])

from approvald.cli import main

if __name__ == "__main__":
    # Code that re-launches approvald as `sys.executable -m approvald ...` (the dashboard
    # starting its daemon, for one) reaches this binary, whose sys.executable is itself: take
    # that spelling to mean the same command.
    if sys.argv[1:3] == ["-m", "approvald"]:
        del sys.argv[1:3]
    sys.exit(main())
