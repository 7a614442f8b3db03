"""The dashboard in a real terminal (tmux) against a real daemon and a real hook process.

A hook asks to `git push origin main`; the test reads the screen until the request shows, sends
`a`, and the hook answers allow. Then the same request again, `d`, and the hook answers deny.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.daemon import RunningDaemon, kill_tree
from tests.support.tui import ask_hook, hook_answer, push_payload

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(sys.platform == "win32", reason="tmux is POSIX only"),
]

WIDTH, HEIGHT = 120, 36
SCREEN_TIMEOUT_S = 20.0


class Terminal:
    """One tmux session on a private tmux server (never the user's own)."""

    def __init__(self, command: str) -> None:
        self.server = f"approvald-test-{uuid.uuid4().hex[:10]}"
        self._tmux("new-session", "-d", "-s", "main", "-x", str(WIDTH), "-y", str(HEIGHT),
                   command)
        self._tmux("set-option", "-t", "main", "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.server, *args], capture_output=True,
                                text=True, timeout=10)
        if result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main")

    def press(self, key: str) -> None:
        self._tmux("send-keys", "-t", "main", key)

    def wait_for(self, condition: Callable[[str], bool], what: str,
                 timeout: float = SCREEN_TIMEOUT_S) -> float:
        """Poll the screen until `condition` holds; the seconds it took."""
        start = time.monotonic()
        screen = ""
        while time.monotonic() - start < timeout:
            try:
                screen = self.screen()
            except RuntimeError:  # the pane died: say what was on it
                break
            if condition(screen):
                return time.monotonic() - start
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; screen:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.server, "kill-server"], capture_output=True,
                       timeout=10)


def tui_command(home: Path, exe: list[str], *args: str) -> str:
    # Textual draws on stderr: it must stay the terminal. The pane stays after the dashboard
    # exits (remain-on-exit), so a crash leaves its traceback on the captured screen.
    return " ".join(["env", "TERM=xterm-256color", f"APPROVALD_HOME={shlex.quote(str(home))}",
                     *map(shlex.quote, [*exe, "tui", "--no-notify", *args])])


def test_approve_and_deny_a_push_from_the_dashboard(
        approvald_home: Path, approvald_exe: list[str], daemon: RunningDaemon,
        project: Path) -> None:
    term = Terminal(tui_command(approvald_home, approvald_exe, "--no-start"))
    hooks: list[subprocess.Popen[str]] = []
    try:
        term.wait_for(lambda s: "daemon connected" in s, "the dashboard to connect")
        session_id = str(uuid.uuid4())

        # 1. approve with `a`
        hooks.append(ask_hook(approvald_exe, push_payload(project, session_id), project))
        seconds = term.wait_for(lambda s: "git push origin main" in s and "Pending (1)" in s,
                                "the push to show as pending")
        print(f"hook start -> pending on screen: {seconds * 1000:.0f} ms")
        term.press("a")
        answer = hook_answer(hooks[-1])
        assert answer["permissionDecision"] == "allow", answer
        term.wait_for(lambda s: "Pending (1)" not in s, "the approved request to leave")

        # 2. the same request again (the approval was for one use), deny with `d`
        hooks.append(ask_hook(approvald_exe, push_payload(project, session_id), project))
        term.wait_for(lambda s: "git push origin main" in s and "Pending (1)" in s,
                      "the second push to show as pending")
        term.press("d")
        answer = hook_answer(hooks[-1])
        assert answer["permissionDecision"] == "deny", answer

        term.press("q")
        term.wait_for(lambda s: "daemon connected" not in s, "the dashboard to quit",
                      timeout=10)
    finally:
        for hook in hooks:
            if hook.poll() is None:
                kill_tree(hook)
                hook.wait(5)
        term.close()


def test_tui_starts_a_daemon_for_its_lifetime(approvald_home: Path,
                                             approvald_exe: list[str]) -> None:
    def daemon_running() -> bool:
        return subprocess.run([*approvald_exe, "status", "--json"], capture_output=True,
                              timeout=10).returncode == 0

    assert not daemon_running()
    term = Terminal(tui_command(approvald_home, approvald_exe))
    try:
        term.wait_for(lambda s: "daemon connected" in s, "the dashboard to connect")
        assert daemon_running()
        term.press("q")
        deadline = time.monotonic() + 15
        while daemon_running() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not daemon_running(), "the daemon the dashboard started outlived it"
    finally:
        term.close()
