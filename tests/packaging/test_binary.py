"""The binary (one folder): packaging/build_binary.sh builds it and smoke-tests it (about a minute
on 2 cores, so it runs with the rest of the suite on Linux)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.packaging import PACKAGING

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="build_binary.sh is the Linux build; release.yml builds the others"),
    pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None,
                       reason="pyinstaller (dev extra) is not installed"),
]


def test_build_binary_builds_and_passes_its_smoke_tests(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHON": sys.executable, "DIST_DIR": str(tmp_path / "dist"),
           "BUILD_DIR": str(tmp_path / "build")}
    env.pop("APPROVALD_HOME", None)
    done = subprocess.run(["bash", str(PACKAGING / "build_binary.sh")], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "all smoke tests passed" in done.stdout
    binary = tmp_path / "dist" / "approvald" / "approvald"  # one folder
    assert binary.is_file() and os.access(binary, os.X_OK)
    svg = (tmp_path / "dist" / "dashboard-smoke.svg").read_text(encoding="utf-8")
    assert "<svg" in svg
