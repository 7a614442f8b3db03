"""Entry point of the one-file approvald binary (packaging/approvald.spec).

The exit code of the command (the dashboard's included) is the process's exit code.
"""

import sys

from approvald.cli import main

if __name__ == "__main__":
    # Code that re-launches approvald as `sys.executable -m approvald ...` (the dashboard
    # starting its daemon, for one) reaches this binary, whose sys.executable is itself: take
    # that spelling to mean the same command.
    if sys.argv[1:3] == ["-m", "approvald"]:
        del sys.argv[1:3]
    sys.exit(main())
