"""`approvald tui` that cannot start says so in one line, without a traceback or a hang."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.skipif(sys.platform != "linux", reason="/proc is Linux")
def test_unusable_home_is_one_clear_line(approvald_exe: list[str]) -> None:
    import pty

    env = {**os.environ, "APPROVALD_HOME": "/proc/approvald-cannot-live-here"}
    env.pop("TEXTUAL_DRIVER", None)
    controller, terminal = pty.openpty()  # a terminal, as a person's shell gives it
    try:
        result = subprocess.run([*approvald_exe, "tui"], env=env, stdin=terminal,
                                stdout=terminal, stderr=subprocess.PIPE, text=True,
                                timeout=60)
    finally:
        os.close(terminal)
        os.close(controller)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "could not start a daemon" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["tui"], ["demo"]])
def test_without_a_terminal_it_exits_at_once_with_one_line(
        approvald_exe: list[str], approvald_home: object, command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    result = subprocess.run([*approvald_exe, *command], env=env, capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs a terminal" in lines[0], result.stderr


def test_a_daemon_that_exits_at_start_ends_the_dashboard_in_one_clear_line(
        approvald_exe: list[str], approvald_home: object) -> None:
    """The dashboard opens beside the daemon it starts; that daemon failing ends it (exit 1)."""
    env = {**os.environ, "APPROVALD_TRANSPORT": "neither", "TEXTUAL_DRIVER":
           "textual.drivers.headless_driver:HeadlessDriver"}
    result = subprocess.run([*approvald_exe, "tui", "--no-notify"], env=env,
                            capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "could not start a daemon" in lines[0], result.stderr
    assert "must be tcp or unix" in lines[0] and "Traceback" not in result.stderr
