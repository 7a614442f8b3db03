"""The projects the agent works in, learned from the cwd of every decision the daemon makes.

The live doctor (doctor_watch.py) watches the user-level agent configs from the start; project
configs (`.claude/settings.json`, `.mcp.json`, `.cursor/*`, ...) can only be found once the
daemon knows where the agent works. Every decision carries the action's cwd:
`ProjectTracker.saw_cwd(cwd)` is called on the event loop for each one, so for a cwd seen
before it costs one dict lookup (plus a recency stamp); a new cwd is handed to a worker thread
that finds its project root (filesystem walk) and adds it. At most `cap` projects are kept,
the least recently seen dropped first.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from approvald.projects import project_root

log = logging.getLogger("approvald.daemon")

MAX_PROJECTS = 64
MAX_CWDS = 4096  # cwd -> root cache entries; beyond this the cache starts over
MAX_PENDING = 256  # cwds waiting for the worker; beyond this new ones wait for a later decision

_UNKNOWN = object()


class ProjectTracker:
    """Known project roots with recency, plus the cwd -> root cache of the decide() hot path.

    `learn(root)` is called on the worker thread for the root of every new cwd (DoctorWatch
    passes its `add_project`).
    """

    def __init__(self, home: Path, learn: Callable[[Path], object], *,
                 cap: int = MAX_PROJECTS) -> None:
        self._home = Path(home)
        self._learn = learn
        self._cap = max(1, cap)
        self._lock = threading.Lock()
        self._projects: dict[Path, None] = {}  # an ordered set
        self._seen: dict[Path, int] = {}  # root -> tick of its last decision (or add)
        self._tick = itertools.count(1)  # next() is atomic under the GIL
        # Read on the event loop without the lock (single dict operations are atomic);
        # written only on the worker thread and in add() under the lock.
        self._cwd_roots: dict[str, Path | None] = {}
        self._pending: set[str] = set()
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._stopped = False

    # -- the hot path (event loop) ---------------------------------------------------------
    def saw_cwd(self, cwd: str) -> None:
        """A decision was made in `cwd`. Never blocks, never raises for a bad cwd."""
        root = self._cwd_roots.get(cwd, _UNKNOWN)
        if root is _UNKNOWN:
            self._enqueue(cwd)
        elif isinstance(root, Path):
            self._seen[root] = next(self._tick)

    def _enqueue(self, cwd: str) -> None:
        if self._stopped or cwd in self._pending or len(self._pending) >= MAX_PENDING:
            return
        self._pending.add(cwd)
        if self._worker is None:
            with self._lock:
                if self._worker is None:
                    self._worker = threading.Thread(target=self._work, name="doctor-projects",
                                                    daemon=True)
                    self._worker.start()
        self._queue.put(cwd)

    # -- the worker ------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            cwd = self._queue.get()
            if cwd is None or self._stopped:
                return
            try:
                root = project_root(cwd, self._home)
                if root is not None:
                    self._learn(root)  # adds it (or stamps it) before the cwd is cached
                if len(self._cwd_roots) >= MAX_CWDS:
                    self._cwd_roots.clear()
                self._cwd_roots[cwd] = root
            except Exception:  # one odd cwd must not stop learning the others
                log.exception("doctor watch: learning the project of %r", cwd)
            finally:
                self._pending.discard(cwd)

    def stop(self) -> None:
        self._stopped = True
        self._queue.put(None)

    # -- the set ---------------------------------------------------------------------------
    def add(self, path: Path | str) -> tuple[bool, list[Path]]:
        """(True when `path` is new, the roots dropped to stay within the cap)."""
        root = Path(os.path.abspath(path))
        dropped: list[Path] = []
        with self._lock:
            self._seen[root] = next(self._tick)
            if root in self._projects:
                return False, dropped
            self._projects[root] = None
            while len(self._projects) > self._cap:
                victim = min(self._projects, key=lambda p: self._seen.get(p, 0))
                del self._projects[victim]
                dropped.append(victim)
            if dropped:
                gone = set(dropped)
                # Those cwds must take the slow path again to come back.
                for cwd in [c for c, r in list(self._cwd_roots.items()) if r in gone]:
                    self._cwd_roots.pop(cwd, None)
                for stale in [p for p in list(self._seen) if p not in self._projects]:
                    self._seen.pop(stale, None)
        return True, dropped

    def roots(self) -> list[Path]:
        with self._lock:
            return list(self._projects)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, (str, Path)) and Path(os.path.abspath(path)) in self._projects
