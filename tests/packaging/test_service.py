"""`approvald service install|uninstall|status`: the files it writes and the commands it runs."""

from __future__ import annotations

import json
import os
import plistlib
import subprocess
import sys
from pathlib import Path

import pytest

from approvald import service
from tests.support.packaging import load_script

unix_only = pytest.mark.skipif(sys.platform == "win32", reason="fake service managers are sh")


def test_systemd_unit_runs_the_given_executable_with_daemon() -> None:
    unit = service.render_systemd_unit(["/opt/bin/approvald"])
    assert "ExecStart=/opt/bin/approvald daemon\n" in unit
    assert "[Install]\nWantedBy=default.target\n" in unit
    assert "Restart=on-failure\n" in unit
    assert "APPROVALD_HOME" not in unit


def test_systemd_unit_quotes_spaces_and_escapes_specifiers() -> None:
    unit = service.render_systemd_unit(["/opt/my apps/50%/approvald"], home="/srv/ad home")
    assert 'ExecStart="/opt/my apps/50%%/approvald" daemon\n' in unit
    assert 'Environment="APPROVALD_HOME=/srv/ad home"\n' in unit


def test_launchd_plist_runs_the_given_executable_with_daemon(tmp_path: Path) -> None:
    text = service.render_launchd_plist(["/opt/bin/approvald"], tmp_path, home="/srv/ad")
    agent = plistlib.loads(text.encode("utf-8"))
    assert agent["Label"] == "dev.approvald.daemon"
    assert agent["ProgramArguments"] == ["/opt/bin/approvald", "daemon"]
    assert agent["RunAtLoad"] is True
    assert agent["KeepAlive"] == {"SuccessfulExit": False}
    assert agent["StandardErrorPath"] == str(tmp_path / "launchd.log")
    assert agent["EnvironmentVariables"] == {"APPROVALD_HOME": "/srv/ad"}


def test_unit_paths_honour_xdg_config_home_and_home(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    assert service.systemd_unit_path({"HOME": home}) == (
        tmp_path / "home" / ".config" / "systemd" / "user" / "approvald.service")
    assert service.systemd_unit_path({"HOME": home, "XDG_CONFIG_HOME": str(tmp_path / "x")}) == (
        tmp_path / "x" / "systemd" / "user" / "approvald.service")
    # A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
    assert service.systemd_unit_path({"HOME": home, "XDG_CONFIG_HOME": "rel"}).is_relative_to(
        tmp_path / "home")
    assert service.launchd_plist_path({"HOME": home}) == (
        tmp_path / "home" / "Library" / "LaunchAgents" / "dev.approvald.daemon.plist")


def test_windows_plan_is_a_logon_scheduled_task() -> None:
    plan = service.plan_install("windows", [r"C:\Program Files\approvald.exe"], {}, Path("."))
    assert plan.unit_path is None
    argv = plan.steps[0].argv
    assert argv[:5] == ["schtasks", "/Create", "/SC", "ONLOGON", "/TN"]
    assert argv[argv.index("/TR") + 1] == '"C:\\Program Files\\approvald.exe" daemon'


def test_reference_service_files_are_the_renderers_output() -> None:
    gen = load_script("gen_service_files")
    for path, text in gen.expected().items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run {gen.__file__}"


# --- the command, end to end ------------------------------------------------------------------

def fake_tool(bindir: Path, name: str, log: Path, exit_code: int = 0) -> None:
    """A stand-in service manager that records its arguments, one call a line."""
    script = bindir / name
    script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\nexit {exit_code}\n',
                      encoding="utf-8")
    script.chmod(0o755)


@pytest.fixture
def user_env(tmp_path: Path, approvald_home: Path) -> dict[str, str]:
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    return {**os.environ, "HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
            "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}


def run(exe: list[str], *args: str, env: dict[str, str],
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*exe, "service", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=False)


def unit_file(env: dict[str, str]) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "systemd" / "user" / "approvald.service"


@pytest.mark.e2e
def test_dry_run_prints_the_unit_and_commands_and_writes_nothing(
        approvald_exe: list[str], user_env: dict[str, str], tmp_path: Path) -> None:
    done = run(approvald_exe, "install", "--dry-run", "--platform", "systemd", "--json",
               env=user_env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["dry_run"] is True
    assert plan["unit_path"] == str(unit_file(user_env))
    exec_start = next(line for line in plan["content"].splitlines()
                      if line.startswith("ExecStart="))
    target = exec_start.removeprefix("ExecStart=")
    assert target.endswith(" daemon")
    assert os.path.isabs(target.split(" ")[0])
    if len(approvald_exe) == 1:
        assert target == f"{approvald_exe[0]} daemon"
    assert plan["commands"] == [["systemctl", "--user", "daemon-reload"],
                                ["systemctl", "--user", "enable", "--now", "approvald.service"]]
    assert not unit_file(user_env).exists()
    assert not (tmp_path / "home").exists()


@pytest.mark.e2e
def test_no_start_writes_the_unit_and_runs_nothing(
        approvald_exe: list[str], user_env: dict[str, str], tmp_path: Path) -> None:
    calls = tmp_path / "calls.log"
    fake_tool(tmp_path / "fakebin", "systemctl", calls)
    done = run(approvald_exe, "install", "--no-start", "--platform", "systemd", env=user_env)
    assert done.returncode == 0, done.stderr
    text = unit_file(user_env).read_text(encoding="utf-8")
    assert "ExecStart=" in text and text.count(" daemon\n") == 1
    assert f"APPROVALD_HOME={user_env['APPROVALD_HOME']}" in text  # the home it was run with
    assert not calls.exists()
    done = run(approvald_exe, "uninstall", "--no-start", "--platform", "systemd", env=user_env)
    assert done.returncode == 0, done.stderr
    assert not unit_file(user_env).exists()
    done = run(approvald_exe, "uninstall", "--no-start", "--platform", "systemd", env=user_env)
    assert done.returncode == 1
    assert "nothing to remove" in done.stderr


@unix_only
@pytest.mark.e2e
def test_install_and_uninstall_drive_systemctl(
        approvald_exe: list[str], user_env: dict[str, str], tmp_path: Path) -> None:
    calls = tmp_path / "calls.log"
    fake_tool(tmp_path / "fakebin", "systemctl", calls)
    done = run(approvald_exe, "install", "--platform", "systemd", env=user_env)
    assert done.returncode == 0, done.stderr
    assert unit_file(user_env).exists()
    assert calls.read_text().splitlines() == [
        "systemctl --user daemon-reload", "systemctl --user enable --now approvald.service"]
    done = run(approvald_exe, "status", "--platform", "systemd", "--json", env=user_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["installed"] is True
    calls.unlink()
    done = run(approvald_exe, "uninstall", "--platform", "systemd", env=user_env)
    assert done.returncode == 0, done.stderr
    assert not unit_file(user_env).exists()
    assert calls.read_text().splitlines() == [
        "systemctl --user disable --now approvald.service", "systemctl --user daemon-reload"]


@unix_only
@pytest.mark.e2e
def test_a_failing_systemctl_fails_the_install(
        approvald_exe: list[str], user_env: dict[str, str], tmp_path: Path) -> None:
    fake_tool(tmp_path / "fakebin", "systemctl", tmp_path / "calls.log", exit_code=1)
    done = run(approvald_exe, "install", "--platform", "systemd", env=user_env)
    assert done.returncode == 1
    assert "systemctl --user daemon-reload" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    status = run(approvald_exe, "status", "--platform", "systemd", env=user_env)
    assert status.returncode == 1


@unix_only
@pytest.mark.e2e
def test_launchd_install_writes_the_agent_and_bootstraps_it(
        approvald_exe: list[str], user_env: dict[str, str], tmp_path: Path) -> None:
    calls = tmp_path / "calls.log"
    fake_tool(tmp_path / "fakebin", "launchctl", calls)
    done = run(approvald_exe, "install", "--platform", "launchd", env=user_env)
    assert done.returncode == 0, done.stderr
    plist = Path(user_env["HOME"]) / "Library" / "LaunchAgents" / "dev.approvald.daemon.plist"
    agent = plistlib.loads(plist.read_bytes())
    assert agent["ProgramArguments"][-1] == "daemon"
    assert os.path.isabs(agent["ProgramArguments"][0])
    uid = os.getuid()
    assert calls.read_text().splitlines() == [
        f"launchctl bootout gui/{uid}/dev.approvald.daemon",
        f"launchctl bootstrap gui/{uid} {plist}"]


@pytest.mark.e2e
def test_windows_install_explains_the_scheduled_task(
        approvald_exe: list[str], user_env: dict[str, str]) -> None:
    done = run(approvald_exe, "install", "--platform", "windows", env=user_env)
    assert done.returncode == 1
    assert "schtasks /Create /SC ONLOGON /TN approvald" in done.stdout
    assert "not automated on Windows" in done.stderr
    dry = run(approvald_exe, "install", "--platform", "windows", "--dry-run", env=user_env)
    assert dry.returncode == 0
    assert "schtasks" in dry.stdout
