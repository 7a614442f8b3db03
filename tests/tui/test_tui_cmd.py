"""`approvald tui` failing to start its daemon says so in one line, without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.skipif(sys.platform != "linux", reason="/proc is Linux")
def test_unusable_home_is_one_clear_line(approvald_exe: list[str]) -> None:
    env = {**os.environ, "APPROVALD_HOME": "/proc/approvald-cannot-live-here"}
    result = subprocess.run([*approvald_exe, "tui"], env=env, capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "could not start a daemon" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
