"""The daemon's background services, each with a start/stop lifecycle.

The server starts them in order once its event loop runs and stops them in reverse when it
stops (before waiting for connections to close). A service that fails to start is logged and
left out: the daemon still decides. A new background job is one `Service` subclass added to
`default_services()`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from approvald.daemon.context import DaemonContext
from approvald.daemon.watch import FileWatcher, Watch
from approvald.model import events
from approvald.settings import Settings

log = logging.getLogger("approvald.daemon")

SWEEP_EVERY_S = 1.0
POLICY_SUFFIXES = (".yaml", ".yml")
POLICY_DEBOUNCE_S = 0.2


class Service:
    name = "service"

    def start(self, ctx: DaemonContext) -> None:
        """Begin; runs on the event loop (may create tasks, threads)."""

    def stop(self) -> None:
        """End; must return promptly and be safe to call after a failed start."""


class FileWatchService(Service):
    """The daemon's one file watcher, for the services that watch files."""

    name = "file watcher"

    def __init__(self) -> None:
        self.watcher = FileWatcher()

    def start(self, ctx: DaemonContext) -> None:
        self.watcher.start()

    def stop(self) -> None:
        self.watcher.stop()


class PolicyWatchService(Service):
    """Reload the policy when a policy file changes (a broken edit keeps the last good one)."""

    name = "policy watch"

    def __init__(self, files: FileWatchService):
        self._files = files
        self._watch: Watch | None = None

    def start(self, ctx: DaemonContext) -> None:
        dirs = [ctx.paths.policies]
        if ctx.paths.managed_policies is not None:  # a changed managed policy is noticed at once
            dirs.append(ctx.paths.managed_policies)
        try:
            from approvald.policy.engine import starter_dir

            dirs.append(starter_dir())
        except Exception as exc:  # the engine is optional to watching, not to deciding
            log.warning("not watching the starter policy: %s", exc)
        watched = {str(d) for d in dirs}

        def relevant(path: str) -> bool:
            return path.endswith(POLICY_SUFFIXES) and os.path.dirname(path) in watched

        def reload() -> None:
            log.info("policy files changed; reloading")
            ctx.reload_policy()

        self._watch = self._files.watcher.watch(relevant, reload, dirs, POLICY_DEBOUNCE_S)
        log.info("watching policies in %s", ", ".join(sorted(watched)))

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None


class SweepService(Service):
    """Every second: approvals past their time expire, each lease that ran out gets its
    audit record even when nobody asks for it, and sessions whose agent exited end."""

    name = "expiry sweep"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self, ctx: DaemonContext) -> None:
        ctx.expire_due()  # approvals that ran out while no daemon ran
        for approval in ctx.approvals.mark_all_gone():  # nobody waits on a new daemon
            ctx.approval_changed(approval, events.APPROVAL_AGENT_GONE)
        self._task = asyncio.get_running_loop().create_task(self._run(ctx))

    @staticmethod
    async def _run(ctx: DaemonContext) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY_S)
            try:
                ctx.expire_due()
                ctx.credentials.sweep()
                ctx.agent_sessions.sweep()
            except Exception:
                log.exception("expiry sweep failed")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None


class DoctorService(Service):
    """The live doctor: watch the agents' configs for unguarded tools (`ctx.doctor`)."""

    name = "live doctor"

    def __init__(self, files: FileWatchService):
        self._files = files
        self._ctx: DaemonContext | None = None

    def start(self, ctx: DaemonContext) -> None:
        if not ctx.settings.doctor_watch:
            return
        from approvald.daemon.doctor_watch import DoctorWatch

        claude_dir = os.environ.get("CLAUDE_CONFIG_DIR")
        ctx.doctor = DoctorWatch(ctx, self._files.watcher, Path.home(), None,
                                 claude_config_dir=Path(claude_dir) if claude_dir else None
                                 ).start()
        self._ctx = ctx

    def stop(self) -> None:
        if self._ctx is not None and self._ctx.doctor is not None:
            self._ctx.doctor.stop()


def default_services(settings: Settings | None = None) -> list[Service]:
    """The daemon's services; with `settings`, also those its configuration turns on (OTLP
    export when an endpoint is set, the webhook when `[notify] webhook` names one)."""
    files = FileWatchService()
    services: list[Service] = [files, PolicyWatchService(files), SweepService(),
                               DoctorService(files)]
    if settings is not None:
        from approvald.daemon.export import ExportService, configured_export

        export = configured_export(settings)
        if export is not None:
            services.append(ExportService(export))
        if settings.notify_webhook:
            from approvald.daemon.notify import WebhookService

            services.append(WebhookService(settings.notify_webhook, settings.notify_format))
    return services


def start_all(services: list[Service], ctx: DaemonContext) -> list[Service]:
    """Start each service; those that fail are logged and left out. Returns the started."""
    started: list[Service] = []
    for service in services:
        try:
            service.start(ctx)
        except Exception:
            log.exception("%s did not start; the daemon runs without it", service.name)
            continue
        started.append(service)
    return started


def stop_all(services: list[Service]) -> None:
    """Stop in reverse order, each once (the list empties: a second call does nothing)."""
    while services:
        service = services.pop()
        try:
            service.stop()
        except Exception:
            log.exception("%s did not stop cleanly", service.name)
