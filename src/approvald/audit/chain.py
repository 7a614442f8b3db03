"""The audit chain's files as they lie on disk: names, record hashes, the inter-process lock,
and reading records back (from the end, across rotated segments). Standard library only."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator

from approvald.model import pathtext
from approvald.model.actions import canonical_json
from approvald.model.lazyre import lazy_compile
from approvald.signing import hex_digest

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

GENESIS = "sha256:" + "0" * 64
ACTIVE_NAME = "audit.jsonl"
HEAD_NAME = "audit.head"
LOCK_NAME = "audit.lock"
_ROTATED = lazy_compile(r"^audit\.([1-9][0-9]*)\.jsonl$")
O_BINARY = getattr(os, "O_BINARY", 0)
LOCK_TIMEOUT_S = 10.0


class AuditError(Exception):
    """The audit log cannot be written (says what and why)."""


def record_hash(record: dict[str, Any]) -> str:
    """The hash of `record` without its `hash` (a record being chained has none yet)."""
    body = record if "hash" not in record else {k: v for k, v in record.items() if k != "hash"}
    return "sha256:" + hex_digest(canonical_json(body))


_SECOND: tuple[int, str] = (-1, "")  # the last second utc_now formatted, and its text


def utc_now() -> str:
    """Now, as `datetime.now(timezone.utc).isoformat(timespec="milliseconds")` with `Z` (without
    importing datetime: the hook writes records too)."""
    global _SECOND
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    second = _SECOND  # read once: another thread may format another second meanwhile
    if second[0] != seconds:  # records come many a second: each second is formatted once
        second = _SECOND = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
    return f"{second[1]}.{nanoseconds // 1_000_000:03d}Z"


def rotated_files(directory: Path) -> list[tuple[int, Path]]:
    """(n, path) of every `audit.<n>.jsonl`, oldest first."""
    from pathlib import Path

    return [(n, Path(text)) for n, text in rotated_file_texts(os.fspath(directory))]


def rotated_file_texts(directory: str) -> list[tuple[int, str]]:
    """`rotated_files` as text (the hook's local check does not import pathlib)."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    directory = pathtext.normalized(directory)
    return sorted((int(m.group(1)), pathtext.child(directory, name)) for name in names
                  if (m := _ROTATED.match(name)))


# -- locking ---------------------------------------------------------------------------------

class file_lock:  # a context manager, named as the function it was
    """Hold an inter-process lock on `fd` while in it; AuditError after `timeout` seconds of
    waiting. (A class, not a generator made a context manager: the contextlib module is not
    imported on the hook's path.)"""

    __slots__ = ("_fd", "_shared", "_timeout")

    def __init__(self, fd: int, shared: bool = False, timeout: float = LOCK_TIMEOUT_S) -> None:
        self._fd = fd
        self._shared = shared
        self._timeout = timeout

    def __enter__(self) -> None:
        fd = self._fd
        deadline = time.monotonic() + self._timeout
        if sys.platform == "win32":
            import msvcrt  # no shared locks there: everyone takes the exclusive one

            while True:
                try:
                    os.lseek(fd, 0, os.SEEK_SET)
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise AuditError("the audit log is locked by another process") from None
                    time.sleep(0.01)
        else:
            import fcntl

            mode = (fcntl.LOCK_SH if self._shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
            while True:
                try:
                    fcntl.flock(fd, mode)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise AuditError("the audit log is locked by another process") from None
                    time.sleep(0.002)

    def __exit__(self, *exc: object) -> None:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(self._fd, 0, os.SEEK_SET)
            msvcrt.locking(self._fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)


# -- reading ---------------------------------------------------------------------------------

def _lines_backward(path: str | os.PathLike[str]) -> Iterator[bytes]:
    """The file's lines (without newline), last first; reads only as far back as asked."""
    with open(path, "rb") as fh:
        pos = fh.seek(0, os.SEEK_END)
        pending: list[bytes] = []  # pieces of the line being assembled, last piece first
        step = 8192
        while pos > 0:
            size = min(step, pos)
            pos -= size
            fh.seek(pos)
            parts = fh.read(size).split(b"\n")
            pending.append(parts[-1])
            for part in reversed(parts[:-1]):
                yield b"".join(reversed(pending))
                pending = [part]
            step = min(step * 2, 1 << 22)  # grows, so one huge line costs linear time
        yield b"".join(reversed(pending))


def _parse_record(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if (isinstance(value, dict) and isinstance(value.get("seq"), int)
            and isinstance(value.get("hash"), str)):
        return value
    return None


def last_record(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The last parseable record in `path` (None if it has none)."""
    try:
        for raw in _lines_backward(path):
            if raw.strip() and (record := _parse_record(raw)) is not None:
                return record
    except FileNotFoundError:
        pass
    return None


def chain_files(directory: Path) -> list[tuple[int, Path]]:
    """(segment, path) in chain order: the rotated files, then `audit.jsonl` if present."""
    files = rotated_files(directory)
    active = directory / ACTIVE_NAME
    if active.exists():
        files.append(((files[-1][0] if files else 0) + 1, active))
    return files


def read_tail(directory: Path, n: int = 20) -> list[dict[str, Any]]:
    """The last `n` records (oldest first), across rotated files; unreadable lines skipped."""
    from pathlib import Path  # here: the hook's local check (no pathlib there) reads no tail

    found: list[dict[str, Any]] = []
    for _, path in reversed(chain_files(Path(directory))):
        if len(found) >= n:
            break
        for raw in _lines_backward(path):
            if len(found) >= n:
                break
            if raw.strip() and (record := _parse_record(raw)) is not None:
                found.append(record)
    return list(reversed(found))


def read_records(directory: Path) -> Iterator[dict[str, Any]]:
    """Every record, oldest first, across rotated files (unreadable lines skipped: `verify`
    names them). Reads one line at a time."""
    from pathlib import Path

    for _, path in chain_files(Path(directory)):
        try:
            with open(path, "rb") as fh:
                for raw in fh:
                    if raw.strip() and (record := _parse_record(raw)) is not None:
                        yield record
        except FileNotFoundError:  # rotated away while we read: its records moved on
            continue
