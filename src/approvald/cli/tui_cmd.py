"""`approvald tui [--socket ENDPOINT] [--no-start] [--no-notify]`: the approval dashboard.

When no daemon answers, it starts one (`approvald daemon`, same APPROVALD_HOME) for the
dashboard's lifetime and stops it on exit. The helpers for that (`daemon_answers`,
`start_daemon`, `stop_daemon`) are shared with `approvald demo`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from approvald.cli.output import Parser
from approvald.paths import Paths, get_paths

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0


class DaemonStartError(Exception):
    """The daemon we started exited or never answered (the message says why)."""


def daemon_answers(paths: Paths, endpoint: str | None = None, timeout: float = 1.0) -> bool:
    from approvald.wire.client import DaemonClient
    from approvald.wire.errors import DaemonError

    try:
        DaemonClient(paths, endpoint=endpoint or paths.socket, timeout=timeout).status()
    except DaemonError:
        return False
    except OSError:
        return False
    return True


def approvald_argv() -> list[str]:
    """This installation's CLI: the same interpreter, so the same code and environment; in a
    one-file build (PyInstaller) the executable is approvald itself."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "approvald"]


def start_daemon(paths: Paths, socket: str | None = None, env: dict[str, str] | None = None,
                 timeout: float = START_TIMEOUT_S) -> subprocess.Popen[bytes]:
    """Start `approvald daemon` and wait until it answers; its output goes to a log file."""
    out_file = paths.log / "daemon-started-by-tui.log"
    argv = [*approvald_argv(), "daemon"]
    if socket:
        argv += ["--socket", socket]
    try:
        paths.log.mkdir(parents=True, exist_ok=True)
        with open(out_file, "ab") as out:
            # Its own session: a closing terminal or Ctrl+C reaches us, and we stop it
            # gracefully (it answers waiting hooks first) instead of it dying mid-request.
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                    env=env if env is not None else dict(os.environ),
                                    start_new_session=sys.platform != "win32")
    except OSError as exc:
        raise DaemonStartError(f"cannot start the daemon: {exc}") from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DaemonStartError(
                f"the daemon exited with code {proc.returncode}: {_last_line(out_file)}")
        if daemon_answers(paths, socket, timeout=0.5):
            return proc
        time.sleep(0.1)
    stop_daemon(proc)
    raise DaemonStartError(f"the daemon did not answer within {timeout:g} s "
                           f"(its output: {out_file})")


def stop_daemon(proc: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_S) -> int | None:
    """SIGTERM (the daemon answers waiting hooks and flushes), then SIGKILL if it hangs."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.terminate()
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)
    except OSError:
        return proc.poll()


def _last_line(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return "no output"
    return lines[-1] if lines else "no output"


def run_dashboard(endpoint: str, token_file: Path, notify: bool = True,
                  intro: str | None = None, paths: Paths | None = None,
                  agent_lines: Any = None) -> int:
    # approvald must not import the dashboard (import-linter: core-without-tui), so the CLI
    # reaches it by name at run time. This is the one place the core hands over to it.
    try:
        dashboard = importlib.import_module("approvald_tui.app")
    except ModuleNotFoundError as exc:
        print(f"approvald: the dashboard is not available in this build ({exc.name} is "
              "missing)", file=sys.stderr)
        return 2
    from approvald.settings import safe_load_settings

    settings = safe_load_settings((paths or get_paths()).config)
    result: int = dashboard.run(endpoint, token_file, notify=notify, intro=intro,
                                confirm_high_risk=settings.confirm_high_risk,
                                agent_lines=agent_lines)
    return result


def no_terminal() -> str | None:
    """Why the dashboard cannot run here (None: it can). Without a terminal on both ends it
    would wait forever for keys nobody can press. A driver chosen by TEXTUAL_DRIVER (headless
    screenshots, the web) needs none."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return None
    for name, stream in (("input", sys.stdin), ("output", sys.stdout)):
        try:
            is_tty = stream is not None and stream.isatty()
        except (ValueError, OSError):
            is_tty = False
        if not is_tty:
            return (f"the dashboard needs a terminal, and its {name} is not one; run it in a "
                    "terminal, or use `approvald approvals list|approve|deny` from scripts")
    return None


def _terminate_as_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def exit_cleanly_on_signals() -> None:
    """SIGTERM, or SIGHUP when the terminal closes, unwinds like a quit: the `finally` blocks
    stop the daemon we started (and the demo removes its temporary home)."""
    if sys.platform == "win32":
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate_as_exit)


def parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="approvald tui",
        description="Open the approval dashboard. When no daemon answers, start one for the "
                    "dashboard's lifetime.")
    parser.add_argument("--socket", metavar="ENDPOINT", default=None,
                        help="the daemon's endpoint (a Unix socket path or tcp://127.0.0.1:PORT);"
                             " default: the one `approvald paths` shows")
    parser.add_argument("--no-start", action="store_true",
                        help="never start a daemon; wait for one to appear")
    parser.add_argument("--no-notify", action="store_true",
                        help="no desktop notifications (the terminal bell still rings)")
    return parser


def main(argv: list[str]) -> int:
    opts = parser().parse_args(argv)

    problem = no_terminal()
    if problem is not None:
        print(f"approvald tui: {problem}", file=sys.stderr)
        return 2
    paths = get_paths()
    endpoint = opts.socket or paths.socket
    started: subprocess.Popen[bytes] | None = None
    if not opts.no_start and not daemon_answers(paths, endpoint):
        try:
            started = start_daemon(paths, socket=opts.socket)
        except DaemonStartError as exc:
            print(f"approvald: could not start a daemon: {exc}", file=sys.stderr)
            return 1
        endpoint = opts.socket or get_paths().socket  # a TCP daemon wrote its port just now
    if started is not None:
        exit_cleanly_on_signals()
    try:
        return run_dashboard(endpoint, paths.token_file, notify=not opts.no_notify)
    finally:
        if started is not None:
            stop_daemon(started)
            print(f"approvald: stopped the daemon this dashboard started (pid {started.pid})",
                  file=sys.stderr)
