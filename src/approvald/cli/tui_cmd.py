"""`approvald tui [--socket ENDPOINT] [--no-start] [--no-notify]`: the approval dashboard.

When no daemon answers, it starts one (`approvald daemon`, same APPROVALD_HOME) for the
dashboard's lifetime and stops it on exit. The helpers for that (`daemon_answers`,
`start_daemon`, `stop_daemon`) are shared with `approvald demo`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from approvald.cli.output import Parser
from approvald.paths import Paths, get_paths

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
POLL_S = 0.02  # a daemon that is not up yet refuses the connection at once
DASHBOARD = "approvald_tui.app"
FIRST_RETRY_S = 0.05  # while the daemon it started comes up, the dashboard dials again soon


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


def spawn_daemon(paths: Paths, socket: str | None = None,
                 env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], Path]:
    """Start `approvald daemon` (its output to a log file, returned with it) without waiting."""
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
    return proc, out_file


def wait_for_daemon(proc: subprocess.Popen[bytes], out_file: Path, paths: Paths,
                    socket: str | None = None, timeout: float = START_TIMEOUT_S) -> None:
    """Return once the started daemon answers; DaemonStartError when it exits first or does
    not answer within `timeout` (then it is stopped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DaemonStartError(
                f"the daemon exited with code {proc.returncode}: {_last_line(out_file)}")
        if daemon_answers(paths, socket, timeout=0.5):
            return
        time.sleep(POLL_S)
    stop_daemon(proc)
    raise DaemonStartError(f"the daemon did not answer within {timeout:g} s "
                           f"(its output: {out_file})")


def start_daemon(paths: Paths, socket: str | None = None, env: dict[str, str] | None = None,
                 timeout: float = START_TIMEOUT_S) -> subprocess.Popen[bytes]:
    """Start `approvald daemon` and wait until it answers; its output goes to a log file."""
    proc, out_file = spawn_daemon(paths, socket, env)
    wait_for_daemon(proc, out_file, paths, socket, timeout)
    return proc


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


def load_dashboard_meanwhile() -> None:
    """Import the dashboard (Textual: about a third of a second) on a thread while the daemon
    starts; `run_dashboard` then finds it loaded (or fails to import it itself, and says so)."""
    def load() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module(DASHBOARD)

    threading.Thread(target=load, name="load-dashboard", daemon=True).start()


def run_dashboard(endpoint: str, token_file: Path, notify: bool = True,
                  intro: str | None = None, paths: Paths | None = None,
                  agent_lines: Any = None, **options: Any) -> int:
    # approvald must not import the dashboard (import-linter: core-without-tui), so the CLI
    # reaches it by name at run time. This is the one place the core hands over to it.
    try:
        dashboard = importlib.import_module(DASHBOARD)
    except ModuleNotFoundError as exc:
        print(f"approvald: the dashboard is not available in this build ({exc.name} is "
              "missing)", file=sys.stderr)
        return 2
    from approvald.settings import safe_load_settings

    settings = safe_load_settings((paths or get_paths()).config)
    result: int = dashboard.run(endpoint, token_file, notify=notify, intro=intro,
                                confirm_high_risk=settings.confirm_high_risk,
                                agent_lines=agent_lines, **options)
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
    options: dict[str, Any] = {}
    failed: list[str] = []
    if not opts.no_start and not daemon_answers(paths, endpoint):
        # Over a Unix socket (or a given endpoint) the address is known before the daemon
        # answers: the dashboard starts beside it and connects as soon as it can. A TCP daemon
        # writes its port once it listens: wait for that, loading the dashboard meanwhile.
        beside = opts.socket is not None or not paths.uses_tcp
        if not beside:
            load_dashboard_meanwhile()
        try:
            started, out_file = spawn_daemon(paths, socket=opts.socket)
            if not beside:
                wait_for_daemon(started, out_file, paths, opts.socket)
        except DaemonStartError as exc:
            print(f"approvald: could not start a daemon: {exc}", file=sys.stderr)
            return 1
        endpoint = opts.socket or get_paths().socket  # a TCP daemon wrote its port just now
        if beside:
            _watch_start(started, out_file, paths, opts.socket, failed)
            options = {"backoff": (FIRST_RETRY_S, 5.0), "give_up": lambda: bool(failed)}
    if started is not None:
        exit_cleanly_on_signals()
    try:
        code = run_dashboard(endpoint, paths.token_file, notify=not opts.no_notify, **options)
        if failed:
            print(f"approvald: could not start a daemon: {failed[0]}", file=sys.stderr)
            return 1
        return code
    finally:
        if started is not None:
            stop_daemon(started)
            if not failed:
                print(f"approvald: stopped the daemon this dashboard started (pid "
                      f"{started.pid})", file=sys.stderr)


def _watch_start(proc: subprocess.Popen[bytes], out_file: Path, paths: Paths,
                 socket: str | None, failed: list[str]) -> None:
    """On a thread, beside the dashboard: a daemon that exits or never answers puts the reason
    in `failed`, and the dashboard (its `give_up`) ends, as if it had never opened."""
    def watch() -> None:
        try:
            wait_for_daemon(proc, out_file, paths, socket)
        except DaemonStartError as exc:
            failed.append(str(exc))

    threading.Thread(target=watch, name="watch-daemon-start", daemon=True).start()
