"""The hash-chained JSONL audit log.

One JSON object a line in `audit.jsonl`; when that file would grow past `max_bytes` it is renamed
`audit.<n>.jsonl` (n = 1, 2, ... oldest first) and a new `audit.jsonl` begins. Every record
carries:

- `seq`: its position in the whole chain (1, 2, ...), across rotations and restarts;
- `ts`: UTC time, ISO 8601 with milliseconds;
- `segment`: the n of the file it belongs in (`audit.jsonl` is segment max(n) + 1), so deleting
  or renaming a whole rotated file is found, the first one included;
- `prev`: the previous record's `hash` (`sha256:` + 64 zeros for the first record);
- `hash`: `sha256:` + sha256 of the canonical JSON (`approvald.actions.canonical_json`) of the
  record without `hash`.

Secrets are redacted (`approvald.redact.redact_obj`) before a record is hashed and written, so
the chain never depends on a value that must not be stored. A string value longer than MAX_TEXT
characters is cut (with a `[truncated: N characters in all]` note) before that: a record stays
cheap to redact, hash and verify whatever an agent sends.

A hash chain alone cannot tell that records were cut from its end, so `audit.head` holds the last
record's seq and hash; `verify` requires the record at that seq to exist with that hash (the head
may lag by a record if the process died between the two writes, never lead).

The daemon and a hook running without daemon may both append: each append holds an exclusive
lock on `audit.lock` (flock; msvcrt on Windows), re-reads the chain's end if another process
wrote since, and writes the whole line with one write(). A failed write (full disk) is truncated
back, so the file never keeps a partial line from us.

Standard library only: the hook may write records on its own.

This module writes (`AuditLog`); `body` makes what a record holds (bounded, redacted), `chain`
holds the on-disk format and reading, `verify` the checking. Their public names are importable
from here.
"""

from __future__ import annotations

import json
import os
import sys
from _thread import allocate_lock  # threading.Lock, without importing threading
from collections.abc import Callable, Iterable

from approvald.audit.body import MAX_TEXT, record_body
from approvald.audit.chain import (
    ACTIVE_NAME,
    GENESIS,
    HEAD_NAME,
    LOCK_NAME,
    LOCK_TIMEOUT_S,
    O_BINARY,
    AuditError,
    file_lock,
    last_record,
    read_records,
    read_tail,
    record_hash,
    rotated_file_texts,
    rotated_files,
    utc_now,
)
from approvald.model import pathtext
from approvald.model.actions import one_shot_encoder
from approvald.model.plain import Plain
from approvald.paths import ensure_private_dir

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from approvald.audit.verify import VerifyResult, verify_chain


def __getattr__(name: str) -> Any:  # the checking loads when asked for: appending needs none of it
    if name in ("VerifyResult", "verify_chain"):
        from approvald.audit import verify

        return getattr(verify, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ACTIVE_NAME",
    "GENESIS",
    "HEAD_NAME",
    "LOCK_NAME",
    "LOCK_TIMEOUT_S",
    "MAX_TEXT",
    "AuditError",
    "AuditLog",
    "VerifyResult",
    "read_records",
    "read_tail",
    "record_hash",
    "rotated_file_texts",
    "rotated_files",
    "utc_now",
    "verify_chain",
]

_HEAD_SIZE = 160  # fixed, so the head is rewritten in place by one small write

# The one write of a line; tests replace it to simulate a full disk.
_write = os.write


# -- writing ---------------------------------------------------------------------------------

# One encoder for every line (`JSONEncoder.encode` sets the C encoder up again on each call).
_LINE = one_shot_encoder(json.JSONEncoder(ensure_ascii=False, separators=(",", ":")))


def _line(record: dict[str, Any]) -> bytes:
    return (_LINE(record) + "\n").encode("utf-8")


class _ChainEnd(Plain):
    seq: int  # the last record's seq (0: no record yet)
    hash: str  # the last record's hash (GENESIS: none yet)
    segment: int  # segment of audit.jsonl
    size: int  # bytes in audit.jsonl
    needs_newline: bool  # audit.jsonl ends in a partial line (a crash, or tampering)
    stamp: tuple[int, int] | None  # (inode, size) of audit.jsonl when this was read

    def __init__(self, seq: int, hash: str, segment: int, size: int, needs_newline: bool,
                 stamp: tuple[int, int] | None) -> None:
        self.seq = seq
        self.hash = hash
        self.segment = segment
        self.size = size
        self.needs_newline = needs_newline
        self.stamp = stamp


class AuditLog:
    """Append records to the chain in `directory` (created 0700, files 0600)."""

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int = 10_000_000,
                 fsync: bool = False,
                 lock_timeout: float = LOCK_TIMEOUT_S,
                 anchor: Callable[[int, str], None] | None = None) -> None:
        # Held as text: the hook's local check writes a record without importing pathlib.
        self._dir = pathtext.normalized(os.fspath(directory))
        # Told (seq, hash) of the chain's end after each commit: a copy kept outside these
        # files (the daemon's database), which `verify` compares (docs/SECURITY.md).
        self.anchor = anchor
        self._file = pathtext.child(self._dir, ACTIVE_NAME)
        self.max_bytes = max_bytes
        self.fsync = fsync
        self.lock_timeout = lock_timeout
        ensure_private_dir(self._dir)
        self._lock_fd = os.open(pathtext.child(self._dir, LOCK_NAME),
                                os.O_RDWR | os.O_CREAT | O_BINARY, 0o600)
        self._mutex = allocate_lock()  # flock does not order threads sharing one descriptor
        self._end: _ChainEnd | None = None
        with self._locked():
            self._refresh()

    @property
    def directory(self) -> Path:
        from pathlib import Path

        return Path(self._dir)

    @property
    def path(self) -> Path:
        """`audit.jsonl`."""
        from pathlib import Path

        return Path(self._file)

    def close(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1

    def __del__(self) -> None:  # a caller that never closes still gives the descriptor back
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _locked(self) -> _Held:
        """This process's mutex, then the file lock, held while in it."""
        return _Held(self)

    @property
    def last_hash(self) -> str:
        with self._locked():
            return self._refresh().hash

    def _refresh(self) -> _ChainEnd:
        """The chain's end, re-read only if audit.jsonl changed since we last looked."""
        try:
            st = os.stat(self._file)
            stamp: tuple[int, int] | None = (st.st_ino, st.st_size)
        except FileNotFoundError:
            stamp = None
        if self._end is not None and self._end.stamp == stamp:
            return self._end
        rotated = rotated_file_texts(self._dir)
        last = last_record(self._file) if stamp else None
        for _, path in reversed(rotated):
            if last is not None:
                break
            last = last_record(path)
        needs_newline = False
        if stamp and stamp[1]:
            with open(self._file, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                needs_newline = fh.read(1) != b"\n"
        self._end = _ChainEnd(
            seq=last["seq"] if last else 0, hash=last["hash"] if last else GENESIS,
            segment=(rotated[-1][0] if rotated else 0) + 1, size=stamp[1] if stamp else 0,
            needs_newline=needs_newline, stamp=stamp)
        return self._end

    def append(self, record: dict[str, Any],
               extra_values: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
        """Redact, chain and write `record` (which needs an "event"); return what was written.

        `extra_values`: (name, value) pairs of known secrets to redact as `[REDACTED:NAME]`.
        Raises AuditError when the record cannot be written (the log is left as it was).
        """
        return self.append_many([record], extra_values)[0]

    def append_many(self, records: list[dict[str, Any]],
                    extra_values: Iterable[tuple[str, str]] = ()) -> list[dict[str, Any]]:
        """`append` for several records at once: one lock, one write, one sync (a group
        commit). All are written or none (AuditError)."""
        return self.append_bodies(self.bodies(records, extra_values))

    @classmethod
    def bodies(cls, records: list[dict[str, Any]],
               extra_values: Iterable[tuple[str, str]] = ()) -> list[dict[str, Any]]:
        """What `append_bodies` takes: each record redacted, bounded and plain JSON data
        (ValueError for a record without an event, AuditError for one JSON cannot carry)."""
        extra = tuple(extra_values)
        return [record_body(record, extra) for record in records]

    def append_bodies(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Chain and write records `bodies` made: one lock, one write, one sync."""
        written: list[dict[str, Any]] = []
        with self._locked():
            end = self._refresh()
            lines: list[bytes] = []
            size = end.size
            for body in bodies:
                record = self._chain(end, body, end.segment)
                data = _line(record)
                if size and size + len(data) > self.max_bytes:
                    if lines:  # what came before goes into the segment it was chained for
                        self._commit(end, lines, written)
                        lines = []
                    self._rotate(end)
                    record = self._chain(end, body, end.segment)
                    data = _line(record)
                    size = 0
                lines.append(data)
                written.append(record)
                end.seq, end.hash = record["seq"], record["hash"]
                size += len(data)
            self._commit(end, lines, written)
        return written

    def _commit(self, end: _ChainEnd, lines: list[bytes], written: list[dict[str, Any]]) -> None:
        data = b"".join(lines)
        try:
            self._write_line(end, b"\n" + data if end.needs_newline else data)
        except AuditError:
            self._end = None  # the chain's end is re-read from disk next time
            raise
        self._write_head(end.seq, end.hash)
        if self.anchor is not None:
            try:
                self.anchor(end.seq, end.hash)
            except Exception as exc:
                raise AuditError(f"the audit anchor could not be updated: {exc}") from exc

    @staticmethod
    def _chain(end: _ChainEnd, body: dict[str, Any], segment: int) -> dict[str, Any]:
        record = {"seq": end.seq + 1, "ts": utc_now(), **body, "segment": segment,
                  "prev": end.hash}
        record["hash"] = record_hash(record)
        return record

    def _rotate(self, end: _ChainEnd) -> None:
        target = pathtext.child(self._dir, f"audit.{end.segment}.jsonl")
        if pathtext.exists(target):
            raise AuditError(f"cannot rotate the audit log: {target} already exists")
        try:
            os.rename(self._file, target)
        except OSError as exc:
            raise AuditError(f"cannot rotate the audit log to {target}: {exc}") from exc
        self._sync_directory()
        end.segment, end.size, end.needs_newline, end.stamp = end.segment + 1, 0, False, None

    def _write_line(self, end: _ChainEnd, data: bytes) -> None:
        try:
            fd = os.open(self._file, os.O_WRONLY | os.O_APPEND | os.O_CREAT | O_BINARY, 0o600)
        except OSError as exc:
            raise AuditError(f"cannot open the audit log {self._file}: {exc}") from exc
        try:
            start = os.fstat(fd).st_size
            try:
                view = memoryview(data)
                while view:
                    view = view[_write(fd, view):]
                if self.fsync:
                    os.fsync(fd)
            except OSError as exc:
                self._end = None  # re-read the end next time, whatever happens below
                try:
                    os.ftruncate(fd, start)
                except OSError as undo:
                    raise AuditError(f"cannot write the audit log {self._file} ({exc}); removing "
                                     f"the partial line failed too ({undo})") from exc
                raise AuditError(f"cannot write the audit log {self._file}: "
                                 f"{exc.strerror or exc}") from exc
            st = os.fstat(fd)
            if start == 0 and self.fsync:
                self._sync_directory()
        finally:
            os.close(fd)
        end.size, end.needs_newline, end.stamp = st.st_size, False, (st.st_ino, st.st_size)

    def _write_head(self, seq: int, digest: str) -> None:
        text = json.dumps({"seq": seq, "hash": digest}).ljust(_HEAD_SIZE - 1) + "\n"
        try:
            fd = os.open(pathtext.child(self._dir, HEAD_NAME), os.O_WRONLY | os.O_CREAT | O_BINARY,
                         0o600)
            try:
                # Not synced: a head that lags the synced log after a crash is accepted by
                # verify (it never leads), and the database's anchor holds the end too.
                os.write(fd, text.encode("ascii"))
            finally:
                os.close(fd)
        except OSError:
            # The record is written; a head one record behind is accepted by verify.
            pass

    def _sync_directory(self) -> None:
        if not self.fsync or sys.platform == "win32":
            return
        fd = os.open(self._dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def verify(self) -> VerifyResult:
        from approvald.audit.verify import verify_chain

        return verify_chain(self.directory)

    def tail(self, n: int = 20) -> list[dict[str, Any]]:
        with self._locked():
            return read_tail(self.directory, n)


class _Held:
    """`AuditLog._locked()`: its mutex, then the file lock (taken on the descriptor the log
    has once the mutex is held), released in the other order."""

    __slots__ = ("_lock", "_log")

    def __init__(self, log: AuditLog) -> None:
        self._log = log
        self._lock: file_lock | None = None

    def __enter__(self) -> None:
        log = self._log
        log._mutex.acquire()
        try:
            self._lock = file_lock(log._lock_fd, timeout=log.lock_timeout)
            self._lock.__enter__()
        except BaseException:
            log._mutex.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            assert self._lock is not None
            self._lock.__exit__(*exc)
        finally:
            self._log._mutex.release()
