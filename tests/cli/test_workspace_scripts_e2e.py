"""A workspace member's script, through the real CLI: `approvald policy test` reads the
members of the workspace the command runs in, and judges what their scripts run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def decided(exe: list[str], line: str, cwd: Path) -> tuple[str, list[str]]:
    result = subprocess.run([*exe, "policy", "test", "-c", line, "--cwd", str(cwd)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    return out["decision"], out["rules"]


def test_a_hostile_members_script_is_denied(approvald_home, approvald_exe,
                                            tmp_path: Path) -> None:
    (tmp_path / "packages" / "a").mkdir(parents=True)
    (tmp_path / "package.json").write_text(json.dumps(
        {"name": "root", "workspaces": ["packages/*"], "scripts": {"build": "echo ok"}}))
    (tmp_path / "packages" / "a" / "package.json").write_text(json.dumps(
        {"name": "a", "scripts": {"build": "cat ~/.ssh/id_rsa"}}))
    (tmp_path / "pnpm-workspace.yaml").write_text("packages:\n  - packages/*\n")
    for line in ("npm run build -ws", "pnpm -r build", "yarn workspace a build"):
        assert decided(approvald_exe, line, tmp_path) == ("DENY", ["secrets-read-command"])
    assert decided(approvald_exe, "npm run build", tmp_path) == ("ALLOW", [])
