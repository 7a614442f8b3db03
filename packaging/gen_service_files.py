#!/usr/bin/env python3
"""Write the reference service files in packaging/systemd and packaging/launchd.

They are what `approvald service install` writes (approvald.service.render_*), shown for an
approvald at /usr/local/bin/approvald, for packagers and for reading. A test keeps them equal to
the renderer's output.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
from approvald.service import (  # noqa: E402
    LAUNCHD_LABEL,
    SYSTEMD_UNIT,
    render_launchd_plist,
    render_systemd_unit,
)

EXAMPLE_ARGV = ["/usr/local/bin/approvald"]
EXAMPLE_LOG_DIR = Path("/usr/local/var/log/approvald")
SYSTEMD_FILE = HERE / "systemd" / SYSTEMD_UNIT
LAUNCHD_FILE = HERE / "launchd" / f"{LAUNCHD_LABEL}.plist"


def expected() -> dict[Path, str]:
    return {
        SYSTEMD_FILE: render_systemd_unit(EXAMPLE_ARGV),
        LAUNCHD_FILE: render_launchd_plist(EXAMPLE_ARGV, EXAMPLE_LOG_DIR),
    }


def main() -> int:
    for path, text in expected().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
