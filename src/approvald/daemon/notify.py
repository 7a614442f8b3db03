"""The webhook: when a request starts waiting for a person, the daemon tells ntfy, a Slack
incoming webhook or any JSON endpoint (`[notify] webhook` in config.toml).

It is the daemon's (a `Service`), not the dashboard's: the point is to reach a person who is
not looking at a terminal, and the daemon is what runs when no dashboard is open. The text is
the desktop notification's (approvald.model.notices) passed through the one redactor, so it
never carries a leased value or secret-looking text. Sending happens on a thread of its own
from a bounded queue: a slow or failing endpoint never delays a decision; failures are logged.
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import threading
import urllib.request
from typing import Any

from approvald import __version__
from approvald.daemon.context import DaemonContext
from approvald.daemon.services import Service
from approvald.model import events
from approvald.model.notices import approval_notice, project_name
from approvald.redaction import redact_text

log = logging.getLogger("approvald.notify")

QUEUE_SIZE = 100
SEND_TIMEOUT_S = 5.0
_STOP = object()


def _header(text: str) -> str:
    """An HTTP header value: as it is when ASCII, else RFC 2047 (ntfy reads both)."""
    if text.isascii():
        return text
    return "=?UTF-8?B?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def build_request(url: str, fmt: str, approval: dict[str, Any]) -> urllib.request.Request:
    """The POST that tells `url` about a waiting `approval`, in its format."""
    title, body = (redact_text(part) for part in approval_notice(approval))
    headers = {"User-Agent": f"approvald/{__version__}"}
    if fmt == "ntfy":
        data = body.encode("utf-8")
        headers.update({"Title": _header(title), "Priority": "high", "Tags": "lock",
                        "Content-Type": "text/plain; charset=utf-8"})
    elif fmt == "slack":
        data = json.dumps({"text": f"*{title}*\n{body}"}).encode("utf-8")
        headers["Content-Type"] = "application/json"
    else:
        doc = {"event": events.APPROVAL_CREATED, "title": title, "body": body,
               "approval_id": approval.get("id"), "agent": approval.get("agent"),
               "project": redact_text(project_name(approval.get("cwd"))),
               "command": body, "rules": [redact_text(str(r)) for r in
                                          approval.get("rules") or []],
               "high_risk": bool(approval.get("high_risk")),
               "expires_at": approval.get("expires_at")}
        data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    return urllib.request.Request(url, data=data, headers=headers, method="POST")


class WebhookService(Service):
    name = "webhook"

    def __init__(self, url: str, fmt: str) -> None:
        self.url = url
        self.fmt = fmt
        self._queue: queue.Queue[Any] = queue.Queue(QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self._ctx: DaemonContext | None = None
        self.sent = 0
        self.failed = 0

    def start(self, ctx: DaemonContext) -> None:
        self._ctx = ctx
        self._thread = threading.Thread(target=self._run, name="approvald-webhook",
                                        daemon=True)
        self._thread.start()
        ctx.events.tap(self._on_event)
        log.info("telling %s (%s) about requests that wait", self.url.split("?")[0], self.fmt)

    def _on_event(self, event: dict[str, Any]) -> None:
        # On the event loop: only queue. A full queue drops (the dashboard still shows it).
        if event.get("type") == events.APPROVAL_CREATED and event.get("status") == "pending":
            try:
                self._queue.put_nowait(event)
            except queue.Full:
                self.failed += 1

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                request = build_request(self.url, self.fmt, item)
                with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_S) as answer:
                    answer.read(1024)
                self.sent += 1
            except Exception as exc:  # any failure of the endpoint: logged, never raised
                self.failed += 1
                log.warning("webhook not sent (%s): %s", self.url.split("?")[0], exc)

    def stop(self) -> None:
        if self._ctx is not None:
            self._ctx.events.untap(self._on_event)
        if self._thread is not None:
            try:
                self._queue.put_nowait(_STOP)
            except queue.Full:
                pass
            self._thread.join(SEND_TIMEOUT_S + 1)
            self._thread = None
