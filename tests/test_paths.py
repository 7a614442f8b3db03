from __future__ import annotations

import json
import subprocess
import sys

import platformdirs
import pytest

from approvald.paths import get_paths, platform_dirs


def test_home_override_puts_everything_under_it(tmp_path) -> None:
    paths = get_paths({"APPROVALD_HOME": str(tmp_path)})
    for value in paths.as_json().values():
        assert value.startswith(str(tmp_path))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX layout")
def test_platform_dirs_agree_with_platformdirs(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    ours = platform_dirs()
    assert ours["config"] == platformdirs.user_config_path("approvald")
    assert ours["state"] == platformdirs.user_state_path("approvald")
    assert ours["data"] == platformdirs.user_data_path("approvald")
    assert ours["runtime"] == platformdirs.user_runtime_path("approvald")
    if sys.platform == "darwin":
        assert ours["log"] == platformdirs.user_log_path("approvald")


def test_paths_json_cli(approvald_home, approvald_exe) -> None:
    out = subprocess.run([*approvald_exe, "paths", "--json"], capture_output=True, text=True,
                         check=True)
    data = json.loads(out.stdout)
    assert set(data) == {"home", "config", "policies", "state", "audit", "socket", "log"}
    assert data["home"] == str(approvald_home)
    assert data["socket"] == str(approvald_home / "run" / "approvald.sock")
