"""Settings changes during a session that would weaken approvald's hooks are blocked and
reported (Claude Code's ConfigChange; install/coverage.py says what "weaken" means).

The daemon remembers what each of a session's settings files covered when the session started
(or was first seen): its user, project and local settings. A change is judged against that
memory, and becomes the new memory only when it is let through, so a blocked change stays
blocked however often the file is touched again. Every change is in the audit log; a blocked one
is also pushed to the dashboard (`config.changed` with `blocked: true`).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from approvald.agents.base import CONFIG_CHANGE, Agent, EventAnswer
from approvald.install.coverage import (
    Coverage,
    config_change_answer,
    read_coverage,
    session_files,
    settings_path,
)
from approvald.model import events

if TYPE_CHECKING:
    from approvald.daemon.context import DaemonContext

log = logging.getLogger("approvald.daemon")

MAX_FILES = 4096


class ConfigGuard:
    def __init__(self) -> None:
        self._known: dict[str, Coverage] = {}
        self._lock = threading.Lock()  # changes are judged off the event loop

    def remember(self, agent: Agent, project: str) -> None:
        """What the session's settings files cover now: the baseline for its changes."""
        if not any(e.kind == CONFIG_CHANGE for e in agent.hook_events):
            return
        for path in session_files(agent, project):
            found, unreadable = read_coverage(agent, path)
            if unreadable is None:
                with self._lock:
                    if len(self._known) >= MAX_FILES:
                        self._known.pop(next(iter(self._known)))
                    self._known[str(path)] = found

    def baseline(self, path: Path | None) -> Coverage | None:
        with self._lock:
            return self._known.get(str(path)) if path is not None else None

    def accepted(self, path: Path, now: Coverage) -> None:
        with self._lock:
            self._known[str(path)] = now


def check(ctx: DaemonContext, agent: Agent, fields: dict[str, Any]) -> EventAnswer:
    """A settings change: blocked when it weakens approvald's hooks; reported either way.
    Blocking (reads the file): runs off the event loop."""
    guard = ctx.config_guard
    path = settings_path(agent, str(fields.get("source") or ""),
                         str(fields.get("file_path") or ""), str(fields.get("cwd") or ""))
    answer, record, now = config_change_answer(agent, fields, guard.baseline(path))
    if path is not None and now is not None:
        guard.accepted(path, now)
    if record["file"] is None:
        return answer
    data = {k: v for k, v in record.items() if k != "event"}
    ctx.report(record, events.CONFIG_CHANGED, data)
    if record["blocked"]:
        log.warning("blocked a change to %s: %s", record["file"], "; ".join(record["reasons"]))
    return answer
