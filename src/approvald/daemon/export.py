"""The OTLP export service: every audit record the daemon writes, every doctor finding that
appears or goes away, and every policy that fails to load, to the team's collector
(approvald.telemetry).

It listens where the daemon already reports: the audit writer tells it each record once it is
in the log (so what is exported is what the hash chain holds, with its seq and hash), and the
event bus tells it each `findings` event. Both only queue; the exporter's own thread does the
rest. `ctx.export` is the running exporter (its counts go into `status`).

Records the daemon does not write (the hook's own when no daemon ran) are in the audit log
only: `approvald audit export --format otlp --since ...` sends them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from approvald.daemon.context import DaemonContext
from approvald.daemon.services import Service
from approvald.model import events
from approvald.settings import Settings
from approvald.telemetry.config import ExportConfig, export_config

log = logging.getLogger("approvald.export")


def configured_export(settings: Settings,
                      environ: Mapping[str, str] | None = None) -> ExportConfig | None:
    """The export settings in force (None: export is off); problems are logged."""
    problems: list[str] = []
    config = export_config(settings.otel, os.environ if environ is None else environ, problems)
    for problem in problems:
        log.warning("otel: %s", problem)
    return config


class ExportService(Service):
    name = "OTLP export"

    def __init__(self, config: ExportConfig):
        self.config = config
        self._ctx: DaemonContext | None = None
        self._exporter: Any = None

    def start(self, ctx: DaemonContext) -> None:
        from approvald.telemetry.exporter import Exporter

        self._exporter = Exporter(self.config).start()
        self._ctx = ctx
        add = getattr(ctx.audit, "add_listener", None)
        if callable(add):
            add(self._exporter.offer_audit)
        ctx.events.tap(self._on_event)
        ctx.export = self._exporter
        log.info("exporting to %s", self.config.shown_url)

    def _on_event(self, event: dict[str, Any]) -> None:
        if self._exporter is None:
            return
        if event.get("type") == events.POLICY_ERROR:  # a policy that does not load (a changed
            # pinned managed policy, say) is for the team to see too; it is not an audit record
            self._exporter.offer_audit({"event": events.POLICY_ERROR, "ts": event.get("ts"),
                                        "error": event.get("error"),
                                        "policy_hash": event.get("policy_hash")})
            return
        if event.get("type") != events.FINDINGS:
            return
        by_id = {f.get("id"): f for f in event.get("findings", []) if isinstance(f, dict)}
        for finding_id in event.get("added", []):
            if finding_id in by_id:
                self._exporter.offer_finding(by_id[finding_id])
        for finding_id in event.get("removed", []):
            self._exporter.offer_finding({"id": finding_id}, resolved=True)

    def stop(self) -> None:
        """Returns at once (the server calls it on its event loop): a thread lets the audit
        writer hand over what it still holds, then gives the exporter STOP_TIMEOUT_S to send
        it; the process waits for that thread before it exits."""
        ctx, exporter = self._ctx, self._exporter
        if ctx is None or exporter is None:
            return
        self._ctx = None
        ctx.events.untap(self._on_event)
        threading.Thread(target=self._finish, args=(ctx, exporter), name="otlp-export-stop",
                         daemon=False).start()

    @staticmethod
    def _finish(ctx: DaemonContext, exporter: Any) -> None:
        flush = getattr(ctx.audit, "flush", None)
        if callable(flush):
            flush(1.0)  # records appended before the stop reach the exporter
        remove = getattr(ctx.audit, "remove_listener", None)
        if callable(remove):
            remove(exporter.offer_audit)
        exporter.stop()
