"""Run the daemon as a login service: a systemd user unit, a launchd agent, or (Windows) a
scheduled task the user creates.

Everything here is data first: `plan_install` says which file goes where with what content and
which commands then run; `approvald service` renders that plan, or carries it out. The service
runs the absolute path of the approvald executable that installed it, so a pipx, uv-tool, venv
or one-file install each points at itself.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from approvald.paths import HOME_ENV

SYSTEMD_UNIT = "approvald.service"
LAUNCHD_LABEL = "dev.approvald.daemon"
WINDOWS_TASK = "approvald"
PLATFORMS = ("systemd", "launchd", "windows")
COMMAND_TIMEOUT = 30.0


@dataclass(frozen=True)
class Step:
    argv: list[str]
    may_fail: bool = False  # e.g. stopping a service that is not loaded
    before_file: bool = False  # runs before the unit file is written or removed


@dataclass
class ServicePlan:
    platform: str
    unit_path: Path | None  # None on Windows: nothing is written
    content: str
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "platform": self.platform,
            "unit_path": str(self.unit_path) if self.unit_path else None,
            "content": self.content,
            "commands": [step.argv for step in self.steps],
            "notes": self.notes,
        }


def detect_platform() -> str:
    if sys.platform == "darwin":
        return "launchd"
    if sys.platform == "win32":
        return "windows"
    return "systemd"


def approvald_argv() -> list[str]:
    """How to start this very approvald, as absolute paths.

    Symlinks are kept, not resolved: Homebrew's and pipx's `bin/approvald` are symlinks into
    versioned directories, and the service must follow upgrades.
    """
    if getattr(sys, "frozen", False):  # a PyInstaller one-file build
        return [os.path.abspath(sys.executable)]
    launched = sys.argv[0] if sys.argv else ""
    if launched and Path(launched).stem == "approvald" and os.path.isfile(launched):
        return [os.path.abspath(launched)]
    beside = shutil.which("approvald", path=os.path.dirname(sys.executable))
    if beside:
        return [os.path.abspath(beside)]
    return [os.path.abspath(sys.executable), "-m", "approvald"]


def user_home(environ: dict[str, str]) -> Path:
    value = environ.get("HOME", "")
    return Path(value) if value else Path.home()


def systemd_unit_path(environ: dict[str, str]) -> Path:
    config = environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(config) if config and os.path.isabs(config) else user_home(environ) / ".config"
    return base / "systemd" / "user" / SYSTEMD_UNIT


def launchd_plist_path(environ: dict[str, str]) -> Path:
    return user_home(environ) / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"


def _systemd_quote(arg: str) -> str:
    # systemd expands %specifiers and $VARIABLES in ExecStart; double them to keep them literal.
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if re.search(r'[\s"\'\\;]', escaped) or not escaped:
        escaped = '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return escaped


def render_systemd_unit(argv: list[str], home: str | None = None) -> str:
    exec_start = " ".join(_systemd_quote(a) for a in [*argv, "daemon"])
    env_line = f'Environment="{HOME_ENV}={home}"\n' if home else ""
    return (
        "# Written by `approvald service install`: the daemon as a systemd user service.\n"
        "# ExecStart is the approvald that wrote this file.\n"
        "[Unit]\n"
        "Description=approvald: approvals and policy for coding agents\n"
        "Documentation=https://github.com/approvald/approvald\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={exec_start}\n"
        f"{env_line}"
        "Restart=on-failure\n"
        "RestartSec=2\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def render_launchd_plist(argv: list[str], log_dir: Path, home: str | None = None) -> str:
    agent: dict[str, object] = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": [*argv, "daemon"],
        "RunAtLoad": True,
        # Restart after a crash, not after a clean stop (launchctl bootout, SIGTERM).
        "KeepAlive": {"SuccessfulExit": False},
        "ProcessType": "Background",
        "StandardOutPath": str(log_dir / "launchd.log"),
        "StandardErrorPath": str(log_dir / "launchd.log"),
    }
    if home:
        agent["EnvironmentVariables"] = {HOME_ENV: home}
    return plistlib.dumps(agent, sort_keys=False).decode("utf-8")


def windows_task_command(argv: list[str]) -> list[str]:
    action = subprocess.list2cmdline([*argv, "daemon"])
    return ["schtasks", "/Create", "/SC", "ONLOGON", "/TN", WINDOWS_TASK,
            "/TR", action, "/RL", "LIMITED", "/F"]


def plan_install(platform: str, argv: list[str], environ: dict[str, str],
                 log_dir: Path) -> ServicePlan:
    home = environ.get(HOME_ENV, "").strip() or None
    if platform == "systemd":
        return ServicePlan(
            "systemd", systemd_unit_path(environ), render_systemd_unit(argv, home),
            [Step(["systemctl", "--user", "daemon-reload"]),
             Step(["systemctl", "--user", "enable", "--now", SYSTEMD_UNIT])],
        )
    if platform == "launchd":
        plist = launchd_plist_path(environ)
        return ServicePlan(
            "launchd", plist, render_launchd_plist(argv, log_dir, home),
            # Unload an older copy first so a reinstall picks up the new file.
            [Step(["launchctl", "bootout", f"gui/{_uid()}/{LAUNCHD_LABEL}"], may_fail=True,
                  before_file=True),
             Step(["launchctl", "bootstrap", f"gui/{_uid()}", str(plist)])],
        )
    command = windows_task_command(argv)
    return ServicePlan(
        "windows", None, "",
        [Step(command)],
        ["approvald does not create the scheduled task itself on Windows.",
         "Create it (runs `approvald daemon` at logon) with:",
         "  " + subprocess.list2cmdline(command),
         "Remove it with:  schtasks /Delete /TN approvald /F"],
    )


def plan_uninstall(platform: str, environ: dict[str, str]) -> ServicePlan:
    if platform == "systemd":
        return ServicePlan(
            "systemd", systemd_unit_path(environ), "",
            [Step(["systemctl", "--user", "disable", "--now", SYSTEMD_UNIT], may_fail=True,
                  before_file=True),
             Step(["systemctl", "--user", "daemon-reload"], may_fail=True)],
        )
    if platform == "launchd":
        return ServicePlan("launchd", launchd_plist_path(environ), "",
                           [Step(["launchctl", "bootout", f"gui/{_uid()}/{LAUNCHD_LABEL}"],
                                 may_fail=True, before_file=True)])
    command = ["schtasks", "/Delete", "/TN", WINDOWS_TASK, "/F"]
    return ServicePlan("windows", None, "", [Step(command)],
                       ["Remove the scheduled task with:  " + subprocess.list2cmdline(command)])


def status_command(platform: str) -> list[str]:
    if platform == "systemd":
        return ["systemctl", "--user", "is-active", SYSTEMD_UNIT]
    if platform == "launchd":
        return ["launchctl", "print", f"gui/{_uid()}/{LAUNCHD_LABEL}"]
    return ["schtasks", "/Query", "/TN", WINDOWS_TASK]


def _uid() -> int:
    getuid = getattr(os, "getuid", None)
    return int(getuid()) if getuid else 0


@dataclass
class CommandResult:
    argv: list[str]
    returncode: int
    output: str

    def to_json(self) -> dict[str, object]:
        return {"argv": self.argv, "returncode": self.returncode, "output": self.output}


def run_command(argv: list[str]) -> CommandResult:
    """Run a service manager command; a missing tool or a timeout is a failed result."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                              check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return CommandResult(argv, 127, f"{argv[0]}: command not found")
    except subprocess.TimeoutExpired:
        return CommandResult(argv, 124, f"{argv[0]}: no answer in {COMMAND_TIMEOUT:.0f} s")
    return CommandResult(argv, done.returncode, (done.stdout + done.stderr).strip())


def write_unit(plan: ServicePlan) -> None:
    assert plan.unit_path is not None
    plan.unit_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = plan.unit_path.with_suffix(plan.unit_path.suffix + ".tmp")
    tmp.write_text(plan.content, encoding="utf-8")
    os.replace(tmp, plan.unit_path)
