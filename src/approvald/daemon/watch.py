"""Reload the policy when its files change (watchdog), debounced.

An editor saves in bursts (write a temp file, rename, touch), so changes are collected for
DEBOUNCE_S and then one reload runs on a worker thread. A broken edit keeps the last good
policy (see DaemonContext.reload_policy).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger("approvald.daemon")

DEBOUNCE_S = 0.2
POLICY_SUFFIXES = (".yaml", ".yml")


class Debouncer:
    """Calls `action` once, DEBOUNCE_S after the last `poke()`; safe to poke from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, action: Callable[[], Any],
                 delay: float = DEBOUNCE_S):
        self._loop = loop
        self._action = action
        self._delay = delay
        self._handle: asyncio.TimerHandle | None = None

    def poke(self) -> None:
        self._loop.call_soon_threadsafe(self._reschedule)

    def _reschedule(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = self._loop.call_later(self._delay, self._fire)

    def _fire(self) -> None:
        self._handle = None
        self._action()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class PolicyWatcher:
    """Watches directories (not recursively) for policy files changing."""

    def __init__(self, directories: Iterable[Path], on_change: Callable[[], None]):
        self._directories = sorted({Path(d) for d in directories if Path(d).is_dir()})
        self._on_change = on_change
        self._observer: Any = None

    def start(self) -> None:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        on_change = self._on_change

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                names = [event.src_path, getattr(event, "dest_path", "") or ""]
                if any(str(n).endswith(POLICY_SUFFIXES) for n in names):
                    on_change()

        observer = Observer()
        handler = Handler()
        for directory in self._directories:
            observer.schedule(handler, str(directory), recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer
        log.info("watching policies in %s", ", ".join(map(str, self._directories)))

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None


def start_policy_watch(loop: asyncio.AbstractEventLoop, directories: Iterable[Path],
                       reload: Callable[[], Any]) -> tuple[PolicyWatcher, Debouncer]:
    """Watch `directories`; each burst of changes runs `reload()` once on a worker thread."""

    def run_reload() -> None:
        log.info("policy files changed; reloading")
        loop.run_in_executor(None, reload)

    debouncer = Debouncer(loop, run_reload)
    watcher = PolicyWatcher(directories, debouncer.poke)
    watcher.start()
    return watcher, debouncer
