"""`approvald demo [--agent AGENT] [--no-tui] [--speed X] [--auto approve|deny]`: see approvald
work in a minute.

A daemon in a temporary home, the dashboard, and a simulated agent session (Claude Code unless
`--agent` names another) that sends that agent's own hook payloads through the real hook:
`npm test` and `git status` pass, a read of `.env` is denied, `git push origin main` and
`terraform apply` wait for you (press `a` or `d`). Nothing the session asks for is executed. On
quit everything stops and the temporary home is removed.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import sys
import tempfile
import time
from pathlib import Path

from approvald.cli.output import Parser
from approvald.cli.tui_cmd import (
    DaemonStartError,
    approvald_argv,
    exit_cleanly_on_signals,
    no_terminal,
    run_dashboard,
    start_daemon,
    stop_daemon,
)
from approvald.demo.agents import SIMULATED
from approvald.demo.project import create_project
from approvald.demo.session import PENDING, STAND_IN_FLAG, DemoSession, hook_env
from approvald.paths import HOME_ENV, Paths, get_paths

INTRO = ("Demo: a simulated {agent} session sends its tool calls through the real hook. "
         "git push and terraform apply will wait here: a approves, r denies with a reason the "
         "agent reads, A shows the rule that would allow ones like it. The Agent tab (9) shows "
         "what the agent got back; Warnings shows what `approvald doctor` finds in a stand-in "
         "home (not yours). ? lists every key, q ends the demo.")
# A stand-in home for the demo's daemon and hooks: its live doctor reads this, never the
# person's own ~/.claude, and finds one thing worth a warning.
STAND_IN_BASHRC = ("# the demo's stand-in home\n"
                   "alias cc='claude --dangerously-skip-permissions'\n")
POLL_S = 0.2
AUTO_DECIDE_AFTER_S = 1.0


def _temp_dir(prefix: str) -> Path:
    # Short, under /tmp: the daemon's Unix socket path must stay below ~100 bytes.
    parent = "/tmp" if sys.platform != "win32" else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def _demo_env(home: Path) -> dict[str, str]:
    """The daemon's and the hooks' environment: this home, and a stand-in user home so the
    live doctor reads neither the person's ~/.claude nor their shell files."""
    user = home / "user"
    user.mkdir(exist_ok=True)
    (user / ".bashrc").write_text(STAND_IN_BASHRC, encoding="utf-8")
    env = hook_env(home)
    env["HOME"] = str(user)
    env.pop("CLAUDE_CONFIG_DIR", None)
    return env


def _say(line: str) -> None:
    print(f"[demo] {line}", flush=True)


def _decide_pending(paths: Paths, auto: str | None, seen: dict[str, float],
                    speed: float) -> None:
    """Without the dashboard: show each new pending approval, and decide it if asked to."""
    from approvald.wire.client import DaemonClient
    from approvald.wire.errors import DaemonError

    client = DaemonClient(paths, timeout=5.0)
    try:
        pending = client.approvals("pending")
    except DaemonError:
        return
    now = time.monotonic()
    for item in pending:
        approval_id = str(item.get("id"))
        if approval_id not in seen:
            seen[approval_id] = now
            _say(f"waiting for a person: {approval_id} {item.get('summary')} "
                 f"(rules: {', '.join(item.get('rules') or [])})")
            if auto is None:
                _say(f"  decide it: APPROVALD_HOME={paths.home} approvald approvals approve "
                     f"{approval_id}   (or deny)")
        elif auto and now - seen[approval_id] >= AUTO_DECIDE_AFTER_S / max(speed, 0.01):
            try:
                if auto == "approve":
                    client.approve(approval_id, "once", by="cli")
                else:
                    client.deny(approval_id, "denied by the demo (--auto deny)", by="cli")
                _say(f"{auto}d {approval_id} (--auto {auto})")
            except DaemonError as exc:
                _say(f"could not {auto} {approval_id}: {exc}")
            seen[approval_id] = float("inf")


def _run_headless(session: DemoSession, paths: Paths, auto: str | None, speed: float) -> int:
    seen: dict[str, float] = {}
    session.start()
    while session.running():
        _decide_pending(paths, auto, seen, speed)
        time.sleep(POLL_S)
    outcomes = session.outcomes
    _say("summary:")
    for outcome in outcomes:
        mark = "ok " if outcome.as_expected else "UNEXPECTED"
        expected = ("a person's decision" if outcome.step.expect == PENDING
                    else outcome.step.expect.upper())
        _say(f"  {mark} {outcome.step.title}: {outcome.answer.upper()} (expected {expected})")
    return 0 if outcomes and all(o.as_expected for o in outcomes) else 1


def parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="approvald demo",
        description="Watch approvald work: a daemon in a temporary home, the dashboard, and a "
                    "simulated agent session whose tool calls go through the real hook.")
    parser.add_argument("--agent", choices=tuple(SIMULATED), default="claude-code",
                        help="whose hook payloads the session sends (default: claude-code)")
    parser.add_argument("--no-tui", action="store_true",
                        help="no dashboard: run the daemon and the session, print what happens")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="how fast the simulated agent works (2 = twice as fast)")
    parser.add_argument("--auto", choices=("approve", "deny"), default=None,
                        help="with --no-tui: decide every pending approval this way by itself")
    parser.add_argument("--no-notify", action="store_true", help="no desktop notifications")
    return parser


def main(argv: list[str]) -> int:
    if argv[:1] == [STAND_IN_FLAG]:  # the simulated agent of a frozen build: run the hook
        import subprocess

        return subprocess.call(argv[1:])
    opts = parser().parse_args(argv)
    if opts.speed <= 0:
        parser().error("--speed must be above 0")
    problem = None if opts.no_tui else no_terminal()
    if problem is not None:
        print(f"approvald demo: {problem} (or add --no-tui)", file=sys.stderr)
        return 2

    exit_cleanly_on_signals()
    home = _temp_dir("ad-demo-")
    project_parent = _temp_dir("ad-demo-proj-")
    previous_home = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(home)
    daemon = None
    session: DemoSession | None = None
    log_file = None
    try:
        paths = get_paths()
        project = create_project(project_parent)
        env = _demo_env(home)
        _say(f"home {home}, project {project}")
        _say("starting a daemon for the demo ...")
        started = time.monotonic()
        try:
            daemon = start_daemon(paths, env=env)
        except DaemonStartError as exc:
            print(f"approvald: demo: could not start the daemon: {exc}", file=sys.stderr)
            return 1
        _say(f"daemon running (pid {daemon.pid}, ready in {time.monotonic() - started:.1f} s)")
        lines: queue.Queue[str] | None = None
        if opts.no_tui:
            report = _say
        else:
            log_file = open(home / "demo-session.log", "a", encoding="utf-8")  # noqa: SIM115
            lines = queue.Queue()

            def report(line: str) -> None:
                assert log_file is not None and lines is not None
                log_file.write(line + "\n")
                log_file.flush()
                lines.put(line)

        session = DemoSession(hook_argv=approvald_argv(), project=project, env=env,
                              report=report, agent=opts.agent, speed=opts.speed)
        if opts.no_tui:
            return _run_headless(session, paths, opts.auto, opts.speed)
        _say("opening the dashboard ...")
        session.start()
        return run_dashboard(get_paths().socket, paths.token_file, notify=not opts.no_notify,
                             intro=INTRO.format(agent=SIMULATED[opts.agent].display_name),
                             agent_lines=lines)
    except KeyboardInterrupt:
        return 130
    except SystemExit as exc:  # SIGTERM / SIGHUP (exit_cleanly_on_signals): clean up below
        return exc.code if isinstance(exc.code, int) else 1
    finally:
        if session is not None:
            session.stop()
        if daemon is not None:
            stop_daemon(daemon)
        if log_file is not None:
            log_file.close()
        if previous_home is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = previous_home
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(project_parent, ignore_errors=True)
        if opts.no_tui:
            _say(f"stopped; removed {home}")
        else:
            print(f"approvald demo: stopped the daemon and removed {home}", file=sys.stderr)
