"""The audit log written by a process of its own, for the daemon.

Why: chaining, hashing, encoding and committing a record (the file lock, the write, the sync,
the head, the anchor's database transaction) is CPU work, and on the daemon's writer thread it
held the interpreter's lock that every request needs, a few times per commit: under many hooks
at once the daemon decided about a third fewer actions. `ProcessSink` is the `AuditWriter`'s
sink (`append_many`) with the commit done by a child process: the writer thread redacts the
records (`AuditLog.bodies`, as before), hands them over in one message and waits, without the
lock, for the child's answer: the records as written, or the error that kept them out (an
`AuditError`, raised here as `AuditLog.append_many` raises it). Everything else stays the
`AuditWriter`'s: order, group commits, barriers, held records and their retries, listeners.

A child that goes away (killed, crashed) or stops answering fails the batch (the writer holds
the records and retries, the daemon refuses every action meanwhile) and the next attempt starts
a new one: a batch the dead child wrote but did not confirm is written again, never lost. When
no child can be started at all (a platform or build without process support), the records are
written in this process, by the `AuditLog` the sink was given, as before.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import select
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from approvald.audit import AuditError, AuditLog

log = logging.getLogger("approvald.audit")

START_TIMEOUT_S = 30.0
REPLY_TIMEOUT_S = 60.0  # a commit is milliseconds; a child silent this long is stuck


def writer_main(conn: Any, directory: str, fsync: bool,
                anchor: Callable[[], Callable[[int, str], None]] | None) -> None:
    """The child: open the log, say ready (or why not), then commit each batch of bodies it
    is sent and answer ("ok", written) or ("error", exception); an empty message ends it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon stops us, not the terminal
    try:
        audit = AuditLog(Path(directory), fsync=fsync,
                         anchor=anchor() if anchor is not None else None)
    except Exception as exc:
        conn.send_bytes(_reply("error", exc))
        return
    conn.send_bytes(_reply("ready", None))
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not message:
            audit.close()
            return
        try:
            answer = _reply("ok", audit.append_bodies(pickle.loads(message)))
        except Exception as exc:
            answer = _reply("error", exc)
        conn.send_bytes(answer)


def _reply(status: str, payload: Any) -> bytes:
    try:
        return pickle.dumps((status, payload), pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle: its words do
        return pickle.dumps(("error", AuditError(f"{type(payload).__name__}: {payload}")),
                            pickle.HIGHEST_PROTOCOL)


class ProcessSink:
    """`append_many` committed by a child process (module docstring); `fallback` (the log
    opened here, which also checked the directory as the daemon starts) writes when no child
    can be started."""

    def __init__(self, fallback: AuditLog, context: Any,
                 anchor: Callable[[], Callable[[int, str], None]] | None = None,
                 reply_timeout_s: float = REPLY_TIMEOUT_S):
        self.fallback = fallback
        self._context = context
        self._anchor = anchor
        self.reply_timeout_s = reply_timeout_s
        self._conn: Any = None
        self._process: Any = None
        self._poll: Any = None
        self.in_process = False  # no child could be started: the fallback writes
        self.started = 0

    def append_many(self, records: list[dict[str, Any]],
                    extra_values: Iterable[tuple[str, str]] = ()) -> list[dict[str, Any]]:
        # Redacted here, not in the child: the values this process remembers to redact
        # (remember_secret) are known to this process alone.
        bodies = AuditLog.bodies(records, extra_values)
        conn = None if self.in_process else self._child()
        if conn is None:
            return self.fallback.append_bodies(bodies)
        try:
            conn.send_bytes(pickle.dumps(bodies, pickle.HIGHEST_PROTOCOL))
            status, payload = self._answer(conn, self.reply_timeout_s)
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            self._stop()
            raise AuditError(f"the audit writer process failed ({exc or type(exc).__name__})"
                             ) from exc
        if status != "ok":
            raise payload
        written: list[dict[str, Any]] = payload
        return written

    def _answer(self, conn: Any, timeout: float) -> tuple[str, Any]:
        if self._poll is not None:  # one poll(2), no selector built per answer
            if not self._poll.poll(timeout * 1000):
                raise OSError("it did not answer in time")
        elif not conn.poll(timeout):
            raise OSError("it did not answer in time")
        status, payload = pickle.loads(conn.recv_bytes())
        return str(status), payload

    def _child(self) -> Any:
        """The connection to a ready child, started now if there is none; None when no child
        can be started (from now on the fallback writes). AuditError when the child could not
        open the log (the fallback would not either)."""
        if self._conn is not None:  # a child gone since shows as EOF or a broken pipe
            return self._conn
        self._stop()
        try:
            ours, theirs = self._context.Pipe()
            process = self._context.Process(
                target=writer_main, name="approvald-audit", daemon=True,
                args=(theirs, str(self.fallback.directory), self.fallback.fsync, self._anchor))
            process.start()
            theirs.close()
        except Exception as exc:
            log.warning("audit: writing in the daemon's own process (no writer process: %s)",
                        exc)
            self.in_process = True
            return None
        self._conn, self._process = ours, process
        self._poll = None
        if hasattr(select, "poll"):
            self._poll = select.poll()
            self._poll.register(ours.fileno(), select.POLLIN)
        self.started += 1
        try:
            status, payload = self._answer(ours, START_TIMEOUT_S)
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            self._stop()
            raise AuditError(f"the audit writer process did not start ({exc})") from exc
        if status != "ready":
            self._stop()
            raise payload
        return ours

    def _stop(self) -> None:
        conn, process, self._conn, self._process = self._conn, self._process, None, None
        if process is not None:
            with contextlib.suppress(Exception):
                process.kill()
            with contextlib.suppress(Exception):
                process.join(5)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        """Ends the child (after the batch it is on) and closes the fallback."""
        conn, process = self._conn, self._process
        if conn is not None and process is not None:
            with contextlib.suppress(Exception):
                conn.send_bytes(b"")
                process.join(10)
        self._stop()
        self.fallback.close()
