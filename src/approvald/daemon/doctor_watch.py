"""Live doctor: watch the agents' config files and push `findings` events when they change.

The daemon's doctor service (approvald.daemon.services) starts it on the daemon's one file
watcher, from inside the running event loop, and stops it on shutdown::

    doctor = DoctorWatch(ctx, watcher, Path.home(), project=None).start()
    ...
    doctor.stop()

`doctor.findings` is the latest list of `Finding`s (for a `GET /v1/findings` route: serve
`doctor.snapshot()`); every change publishes one event::

    ctx.events.publish("findings", {"findings": [...], "counts": {...}, "added": [ids],
                                    "removed": [ids], "new_high": [...]})

The first scan publishes too, so a dashboard that connects later can ask for the snapshot and
one that is connected sees the initial state. Scans run on a worker thread (never on the event
loop: the policy check loads YAML); events are handed to the loop with
`events.publish_threadsafe` when the bus has it. The daemon's own reachability is not checked
(`check_daemon=False`): it is the daemon.

Projects: besides the one given at start, the daemon learns the projects the agent works in
from the cwd of every decision (`doctor.saw_cwd(action.cwd)` in decisions.decide(): a dict
lookup for a cwd seen before; the root is found and added on a worker thread, see
doctor_projects.py) or is told one with `add_project(path)`. Each project is scanned with
`scan(home, project)` and the findings merged, de-duplicated by id; a project's scan is reused
while none of the files it reads changed (a scan costs ~20 ms, most of it approvald's own
health check, which the base scan reports once for all).

What is watched (a `Watch` on the daemon's one FileWatcher): the parent directory of every file
`approvald.doctor.watched_files()` names (non-recursively), the nearest existing ancestor when
that directory does not exist yet (so a new `~/.cursor/` or `.claude/` is noticed), and the
user's policies directory. Editors save in bursts, so changes are collected for DEBOUNCE_S
before one rescan.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from approvald.daemon.doctor_projects import MAX_PROJECTS, ProjectTracker
from approvald.daemon.watch import FileWatcher, Watch
from approvald.doctor import SystemRoots, scan, watched_files
from approvald.doctor.findings import HIGH, Finding, counts, sort_findings
from approvald.model import events
from approvald.paths import Paths
from approvald.projects import both_forms

log = logging.getLogger("approvald.daemon")

DEBOUNCE_S = 0.3

# The stat of every file a project's scan reads: equal means that scan would say the same.
Signature = tuple[tuple[str, int, int, int, int] | tuple[str], ...]


class DoctorWatch:
    def __init__(
        self,
        ctx: Any,
        watcher: FileWatcher,
        home: Path,
        project: Path | None,
        *,
        roots: SystemRoots | None = None,
        claude_config_dir: Path | None = None,
        debounce_s: float = DEBOUNCE_S,
        max_projects: int = MAX_PROJECTS,
    ) -> None:
        self._ctx = ctx
        self._home = Path(home)
        self._project = Path(project) if project is not None else None
        self._roots = roots
        self._claude_dir = claude_config_dir
        self._debounce_s = debounce_s
        self._lock = threading.Lock()  # one scan at a time
        self._watcher = watcher
        self._watch: Watch | None = None
        self._files: set[Path] = set()
        self._ancestors: set[Path] = set()
        self._policies: set[Path] = set()
        self._stopped = False
        self._last_key: tuple[str, ...] | None = None
        self.findings: list[Finding] = []
        self._max_projects = max_projects
        self._projects = ProjectTracker(self._home, self.add_project, cap=max_projects)
        # project root -> (signature of the files its scan read, its findings)
        self._project_scans: dict[Path, tuple[Signature, list[Finding]]] = {}

    # -- what to watch -------------------------------------------------------------------
    def _paths(self) -> Paths:
        paths: Paths = self._ctx.paths
        return paths

    def _targets(self) -> tuple[set[Path], set[Path], set[Path]]:
        """(files, ancestor dirs that matter when created, dirs to watch)."""
        files = set(watched_files(self._home, self._project, roots=self._roots,
                                  claude_config_dir=self._claude_dir))
        for project in self._projects.roots():
            files.update(self._project_files(project))
        paths = self._paths()
        files.add(Path(paths.config))
        ancestors: set[Path] = set()
        dirs: set[Path] = set()
        for file in files:
            parent = file.parent
            while not parent.is_dir() and parent != parent.parent:
                ancestors.add(parent)
                parent = parent.parent
            if parent.is_dir():
                dirs.add(parent)
        policies = Path(paths.policies)
        if policies.is_dir():
            dirs.add(policies)
        else:
            ancestors.add(policies)
        return files, ancestors, dirs

    def _sync_watches(self) -> None:
        if self._watch is None:
            return
        files, ancestors, dirs = self._targets()
        # Observers may report real paths (macOS: /private/var/... for /var/...): keep both.
        self._files = {q for p in files for q in both_forms(p)}
        self._ancestors = {q for p in ancestors for q in both_forms(p)}
        self._policies = both_forms(Path(self._paths().policies))
        self._watch.set_dirs(dirs)

    def _relevant(self, path: str) -> bool:
        for p in both_forms(Path(path)):
            if p in self._files or p in self._ancestors or p.parent in self._policies:
                return True
        return False

    def _project_files(self, project: Path) -> list[Path]:
        return watched_files(self._home, project, roots=self._roots,
                             claude_config_dir=self._claude_dir)

    # -- projects --------------------------------------------------------------------------
    def saw_cwd(self, cwd: str) -> None:
        """A decision was made in `cwd` (called on the event loop for every decision: a dict
        lookup when the cwd is known; a new one is resolved and added on a worker thread)."""
        if cwd and not self._stopped:
            self._projects.saw_cwd(cwd)

    def add_project(self, path: Path | str) -> bool:
        """Watch and scan `path` as a project too; True when it is new. Thread-safe; beyond
        the cap the least recently seen project is dropped. Blocks while a scan runs: call it
        off the event loop."""
        if self._stopped:
            return False
        if self._project is not None and Path(path) in both_forms(self._project):
            return False
        added, dropped = self._projects.add(path)
        if not added:
            return False
        if dropped:
            log.info("doctor watch: no longer watching %s (over %d projects)",
                     ", ".join(map(str, dropped)), self._max_projects)
        log.info("doctor watch: watching project %s", path)
        with self._lock:
            try:
                self._sync_watches()
            except Exception as exc:
                log.warning("doctor watch: re-syncing watches: %s", exc)
        self.poke()
        return True

    @property
    def projects(self) -> list[Path]:
        return self._projects.roots()

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> DoctorWatch:
        self._files, self._ancestors, self._policies = set(), set(), set()
        self._watch = self._watcher.watch(self._relevant, self.rescan,
                                          debounce_s=self._debounce_s)
        self._sync_watches()
        threading.Thread(target=self.rescan, name="doctor-initial-scan", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped = True
        self._projects.stop()
        if self._watch is not None:
            self._watch.close()
            self._watch = None

    def poke(self) -> None:
        """A watched file changed: rescan DEBOUNCE_S after the last change."""
        if not self._stopped and self._watch is not None:
            self._watch.debouncer.poke()

    # -- scanning ------------------------------------------------------------------------
    def rescan(self) -> bool:
        """Scan now; publish and return True when the findings changed."""
        if self._stopped:
            return False
        with self._lock:
            try:
                # First, so a file written into a config dir that just appeared is either
                # seen by this scan or raises an event on the new watch.
                self._sync_watches()
            except Exception as exc:
                log.warning("doctor watch: re-syncing watches: %s", exc)
            try:
                findings = self._scan_all()
            except Exception as exc:  # scan() catches its own; this is a last resort
                log.error("doctor watch: scan failed: %s", exc)
                return False
            key = tuple(sorted(json.dumps(f.to_json(), sort_keys=True) for f in findings))
            if key == self._last_key:
                return False
            before = {f.id: f for f in self.findings}
            first = self._last_key is None
            self._last_key = key
            self.findings = findings
        after = {f.id for f in findings}
        data = {
            "findings": [f.to_json() for f in findings],
            "counts": counts(findings),
            "added": sorted(after - set(before)) if not first else sorted(after),
            "removed": sorted(set(before) - after),
            "new_high": [
                f.to_json() for f in findings if f.severity == HIGH and f.id not in before
            ],
        }
        self._publish(data)
        return True

    def _scan_all(self) -> list[Finding]:
        """The base scan (user level, the start project, approvald's health) and every
        learned project's, merged by finding id, the base scan's first."""
        findings = scan(self._home, self._project, self._paths(), check_daemon=False,
                        roots=self._roots, claude_config_dir=self._claude_dir)
        projects = self._projects.roots()
        for gone in set(self._project_scans) - set(projects):
            del self._project_scans[gone]
        if not projects:
            return findings
        merged = {_key(f): f for f in findings}
        for project in projects:
            for f in self._scan_project(project):
                merged.setdefault(_key(f), f)
        return sort_findings(list(merged.values()))

    def _scan_project(self, project: Path) -> list[Finding]:
        signature = _signature(self._project_files(project))
        cached = self._project_scans.get(project)
        if cached is not None and cached[0] == signature:
            return cached[1]
        # approvald's health is the base scan's business: a project scan reads configs only.
        found = scan(self._home, project, self._paths(), check_daemon=False,
                     include_health=False, roots=self._roots,
                     claude_config_dir=self._claude_dir)
        self._project_scans[project] = (signature, found)
        return found

    def snapshot(self) -> dict[str, Any]:
        return {"findings": [f.to_json() for f in self.findings],
                "counts": counts(self.findings)}

    def _publish(self, data: dict[str, Any]) -> None:
        try:
            self._ctx.events.publish_threadsafe(events.FINDINGS, data)
        except Exception as exc:
            log.error("doctor watch: publishing findings: %s", exc)


def _key(finding: Finding) -> str:
    return finding.id or f"{finding.agent}/{finding.file}/{finding.title}"


def _signature(files: list[Path]) -> Signature:
    out: list[tuple[str, int, int, int, int] | tuple[str]] = []
    for file in files:
        try:
            st = file.stat()
        except OSError:
            out.append((str(file),))
            continue
        out.append((str(file), st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino))
    return tuple(out)
