"""A desktop notification for a new pending approval, through the platform's own tool.

notify-send (Linux), osascript (macOS), PowerShell toast (Windows). Missing tool, no display,
a tool that fails: silent. Never blocks the dashboard (the tool runs detached) and never raises.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable

Notifier = Callable[[str, str], None]

_NOTIFICATIONS = "Windows.UI.Notifications"
_MANAGER = f"[{_NOTIFICATIONS}.ToastNotificationManager]"
_WINDOWS_TOAST = "\n".join([
    "$ErrorActionPreference = 'SilentlyContinue'",
    f"[{_NOTIFICATIONS}.ToastNotificationManager, {_NOTIFICATIONS}, "
    "ContentType = WindowsRuntime] > $null",
    f"$t = [{_NOTIFICATIONS}.ToastTemplateType]::ToastText02",
    f"$x = {_MANAGER}::GetTemplateContent($t)",
    "$n = $x.GetElementsByTagName('text')",
    "$n.Item(0).AppendChild($x.CreateTextNode($env:APPROVALD_NOTE_TITLE)) > $null",
    "$n.Item(1).AppendChild($x.CreateTextNode($env:APPROVALD_NOTE_BODY)) > $null",
    f"$toast = [{_NOTIFICATIONS}.ToastNotification]::new($x)",
    f"{_MANAGER}::CreateToastNotifier('approvald').Show($toast)",
])


def _apple_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def notification_command(title: str, body: str, platform: str = sys.platform,
                         which: Callable[[str], str | None] = shutil.which
                         ) -> tuple[list[str], dict[str, str]] | None:
    """The argv (and extra environment) that shows a notification here, or None."""
    if platform == "darwin":
        exe = which("osascript")
        script = f"display notification {_apple_quote(body)} with title {_apple_quote(title)}"
        return ([exe, "-e", script], {}) if exe else None
    if platform == "win32":
        exe = which("powershell") or which("pwsh")
        if not exe:
            return None
        # Title and body travel in the environment: nothing to quote inside the script.
        return ([exe, "-NoProfile", "-NonInteractive", "-Command", _WINDOWS_TOAST],
                {"APPROVALD_NOTE_TITLE": title, "APPROVALD_NOTE_BODY": body})
    exe = which("notify-send")
    if not exe:
        return None
    return [exe, "--app-name=approvald", "--urgency=critical", title, body], {}


def desktop_notify(title: str, body: str) -> None:
    """Show a desktop notification if this platform can; otherwise do nothing."""
    found = notification_command(title, body[:300])
    if found is None:
        return
    argv, extra_env = found
    try:
        subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={**os.environ, **extra_env},
            start_new_session=sys.platform != "win32",
        )
    except (OSError, ValueError):
        pass


def no_notify(title: str, body: str) -> None:
    """For tests and `--no-notify`."""
