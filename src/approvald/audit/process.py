"""The audit log written by a process of its own, for the daemon: the child's side.

Why: chaining, hashing, encoding and committing a record (the file lock, the write, the sync,
the head, the anchor's database transaction) is CPU work, and in the daemon it held the
interpreter's lock that every request needs: under many hooks at once the daemon decided about
a third fewer actions. The child (`writer_main`) opens the log, commits each batch (the records
as the daemon appended them, redacted here: with them come the values the daemon redacts by
value, `redaction.remembered_values`, as they are when the batch is sent; or bodies the daemon
made itself) and answers with the records as written (only when the daemon has listeners for
them, else how many: pickling each record here and reading it there cost both processes
microseconds a record), or the error that kept them out (an `AuditError`, as
`AuditLog.append_bodies` raises it). The daemon's side, with its order, group commits,
barriers, held records and retries, is `approvald.audit.loopwriter`.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from approvald.audit import AuditError, AuditLog

log = logging.getLogger("approvald.audit")

START_TIMEOUT_S = 30.0
REPLY_TIMEOUT_S = 60.0  # a commit is milliseconds; a child silent this long is stuck
# A batch: (RECORDS, records, values, echo) | (BODIES, bodies, (), echo); echo: answer with the
# records as written (else with how many).
RECORDS, BODIES = "records", "bodies"


def writer_main(conn: Any, directory: str, fsync: bool,
                anchor: Callable[[], Callable[[int, str], None]] | None) -> None:
    """The child: open the log, say ready (or why not), then commit each batch it is sent
    (redacted here when it holds records) and answer ("ok", written) (("ok", len(written))
    unless the batch asks for the records) or ("error", exception); an empty message ends it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon stops us, not the terminal
    # Loaded, hashlib's sha256 (OpenSSL) hashes the chain (`approvald.signing.sha256`): the
    # same digest as the built-in one, in a quarter of its time on a record.
    import hashlib  # noqa: F401
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
            kind, items, values, echo = pickle.loads(message)
            bodies = AuditLog.bodies(items, values) if kind == RECORDS else items
            written = audit.append_bodies(bodies)
            answer = _reply("ok", written if echo else len(written))
        except Exception as exc:
            answer = _reply("error", exc)
        conn.send_bytes(answer)


def _reply(status: str, payload: Any) -> bytes:
    try:
        return pickle.dumps((status, payload), pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle: its words do
        return pickle.dumps(("error", AuditError(f"{type(payload).__name__}: {payload}")),
                            pickle.HIGHEST_PROTOCOL)
