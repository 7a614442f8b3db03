"""One file watcher for the whole daemon, and one debouncer.

The policy service (reload when a policy file changes) and the live doctor (rescan when an
agent's config changes) each open a `Watch` on the daemon's one `FileWatcher`: the directories
it cares about (watched non-recursively) and which paths in them matter. Editors save in bursts
(write a temp file, rename, touch), so a watch's callback runs once, `debounce_s` after the last
relevant change, on a timer thread: callbacks may block (a reload, a rescan), never the loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger("approvald.daemon")


class Debouncer:
    """Calls `action` once, `delay` seconds after the last `poke()`; pokes from any thread."""

    def __init__(self, action: Callable[[], Any], delay: float):
        self._action = action
        self._delay = delay
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False

    def poke(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self._delay, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        try:
            self._action()
        except Exception:
            log.exception("a watched change could not be handled")

    def cancel(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


class Watch:
    """One subscriber: its directories, which paths matter, and its debounced callback."""

    def __init__(self, watcher: FileWatcher, relevant: Callable[[str], bool],
                 on_change: Callable[[], Any], debounce_s: float):
        self._watcher = watcher
        self.relevant = relevant
        self.debouncer = Debouncer(on_change, debounce_s)
        self.dirs: set[Path] = set()

    def set_dirs(self, dirs: Iterable[Path]) -> None:
        """Watch exactly these directories (those that exist) from now on."""
        self._watcher._update(self, {Path(d) for d in dirs if Path(d).is_dir()})

    def close(self) -> None:
        self.debouncer.cancel()
        self._watcher._update(self, set())
        self._watcher._forget(self)


class FileWatcher:
    """A watchdog observer shared by every Watch; a directory is scheduled once, however many
    watches want it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Replaced, never mutated: the observer's thread reads it without our lock (watchdog
        # holds its own lock while dispatching, and unschedule() takes that one too).
        self._watches: tuple[Watch, ...] = ()
        self._scheduled: dict[Path, Any] = {}
        self._observer: Any = None
        self._handler: Any = None

    def start(self) -> None:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                names = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
                watcher._dispatch([n for n in names if n])

        self._handler = Handler()
        self._observer = Observer()
        self._observer.daemon = True
        with self._lock:
            self._sync_locked()
        self._observer.start()

    def stop(self) -> None:
        with self._lock:
            watches, self._watches = self._watches, ()
        for watch in watches:
            watch.debouncer.cancel()
        if self._observer is not None:
            try:
                self._observer.stop()
                self._observer.join(timeout=5)
            except Exception as exc:  # pragma: no cover - shutting down anyway
                log.warning("file watcher: stopping: %s", exc)
            self._observer = None
        self._scheduled.clear()

    def watch(self, relevant: Callable[[str], bool], on_change: Callable[[], Any],
              dirs: Iterable[Path] = (), debounce_s: float = 0.2) -> Watch:
        watch = Watch(self, relevant, on_change, debounce_s)
        with self._lock:
            self._watches = (*self._watches, watch)
        watch.set_dirs(dirs)
        return watch

    def _dispatch(self, names: list[str]) -> None:
        for watch in self._watches:
            if any(watch.relevant(name) for name in names):
                watch.debouncer.poke()

    def _forget(self, watch: Watch) -> None:
        with self._lock:
            self._watches = tuple(w for w in self._watches if w is not watch)

    def _update(self, watch: Watch, dirs: set[Path]) -> None:
        with self._lock:
            watch.dirs = dirs
            self._sync_locked()

    def _sync_locked(self) -> None:
        """Schedule the directories some watch wants, unschedule the rest (lock held)."""
        wanted: set[Path] = set().union(*(w.dirs for w in self._watches))
        if self._observer is None:
            return
        for gone in set(self._scheduled) - wanted:
            try:
                self._observer.unschedule(self._scheduled.pop(gone))
            except Exception:  # already gone with its directory
                pass
        for new in wanted - set(self._scheduled):
            try:
                self._scheduled[new] = self._observer.schedule(self._handler, str(new),
                                                               recursive=False)
            except Exception as exc:  # unreadable or vanished: watch the rest
                log.warning("file watcher: cannot watch %s: %s", new, exc)
