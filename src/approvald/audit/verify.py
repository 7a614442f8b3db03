"""Verifying the audit chain: every record's hash, link, seq and segment, and that the chain
reaches `audit.head`. Standard library only."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from approvald.audit.chain import (
    ACTIVE_NAME,
    GENESIS,
    HEAD_NAME,
    LOCK_NAME,
    O_BINARY,
    chain_files,
    file_lock,
    record_hash,
    rotated_files,
)
from approvald.model.plain import Frozen

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any


class VerifyResult(Frozen):
    ok: bool
    records: int  # records that verified (before the first broken one, if any)
    file: str | None  # the file holding the first broken record
    line: int | None  # its line number (1-based)
    message: str

    def __init__(self, ok: bool, records: int, file: str | None, line: int | None,
                 message: str) -> None:
        self.__dict__.update(ok=ok, records=records, file=file, line=line, message=message)

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.FIELDS}


def _read_head(directory: Path) -> tuple[int, str] | str | None:
    """(seq, hash) from audit.head; None if missing; a message if unreadable."""
    try:
        data = json.loads((directory / HEAD_NAME).read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return f"{HEAD_NAME} is unreadable ({exc})"
    if not (isinstance(data, dict) and isinstance(data.get("seq"), int)
            and isinstance(data.get("hash"), str)):
        return f"{HEAD_NAME} does not hold a seq and a hash"
    return data["seq"], data["hash"]


@contextlib.contextmanager
def _shared_lock_if_any(directory: Path) -> Iterator[None]:
    """Readers wait for a writer's line to be complete; no lock file, no writer yet."""
    try:
        fd = os.open(directory / LOCK_NAME, os.O_RDONLY | O_BINARY)
    except OSError:
        yield
        return
    try:
        with file_lock(fd, shared=True):
            yield
    finally:
        os.close(fd)


# -- verifying -------------------------------------------------------------------------------

def _broken(records: int, path: Path, line: int | None, message: str) -> VerifyResult:
    return VerifyResult(False, records, str(path), line, message)


def verify_chain(directory: Path, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Check every record in chain order: its hash, its link to the one before, its seq and
    segment; then that the chain reaches the head, and the `anchor` (the (seq, hash) kept
    outside the log, in the database) with the anchor's hash. The first problem found is
    reported."""
    directory = Path(directory)
    if not directory.is_dir():
        if anchor is not None and anchor[0] > 0:
            return _broken(0, directory, None, f"the audit log is gone, but seq {anchor[0]} "
                           "was written (the database's anchor): it was deleted")
        return VerifyResult(True, 0, None, None, "no audit log yet")
    with _shared_lock_if_any(directory):
        result = _verify_locked(directory, anchor)
    return result


def _anchor_problem(anchor: tuple[int, str] | None, seq: int, found_hash: str | None) -> str | None:
    """Whether the chain (ending at `seq`; `found_hash` the hash of its record at the anchor's
    seq, if any) contradicts the anchor."""
    if anchor is None or anchor[0] <= 0:
        return None
    if anchor[0] > seq:
        return (f"the log ends at seq {seq} but seq {anchor[0]} was written (the database's "
                "anchor): records were removed or the log was replaced")
    if found_hash != anchor[1]:
        return (f"record {anchor[0]} is not the one the database's anchor recorded: the log "
                "was rewritten")
    return None


def _verify_locked(directory: Path, anchor: tuple[int, str] | None = None) -> VerifyResult:
    rotated = rotated_files(directory)
    for expected, (number, _) in enumerate(rotated, start=1):
        if number != expected:
            missing = directory / f"audit.{expected}.jsonl"
            return _broken(0, missing, None, f"{missing.name} is missing: the records it held "
                           "were removed")
    head = _read_head(directory)
    if isinstance(head, str):
        return _broken(0, directory / HEAD_NAME, None, head)
    count, prev, seq = 0, GENESIS, 0
    at_anchor: str | None = None
    files = chain_files(directory)
    last_file, last_line = directory / ACTIVE_NAME, 0
    for segment, path in files:
        line = 0
        with open(path, "rb") as fh:
            for raw in fh:
                line += 1
                problem = _check_line(raw, seq, prev, segment, path.name, head)
                if problem:
                    return _broken(count, path, line, problem)
                record = json.loads(raw)
                count, seq, prev = count + 1, record["seq"], record["hash"]
                if anchor is not None and seq == anchor[0]:
                    at_anchor = prev
        if line == 0 and path.name != ACTIVE_NAME:
            return _broken(count, path, None, f"{path.name} is empty: its records were removed")
        last_file, last_line = path, line
    if head is None and count:
        return _broken(count, directory / HEAD_NAME, None,
                       f"{HEAD_NAME} is missing: the end of the chain cannot be checked")
    if head is not None and head[0] > seq:
        return _broken(count, last_file, last_line + 1,
                       f"the log ends at seq {seq} but seq {head[0]} was written: "
                       "records were removed from the end")
    problem = _anchor_problem(anchor, seq, at_anchor)
    if problem:
        return _broken(count, last_file, None, problem)
    return VerifyResult(True, count, None, None, f"audit chain holds: {count} records")


def _check_line(raw: bytes, seq: int, prev: str, segment: int, name: str,
                head: tuple[int, str] | None) -> str | None:
    """What is wrong with this line as the record after `seq`/`prev`, or None."""
    if not raw.endswith(b"\n"):
        return "incomplete line: the file was cut short or a write did not finish"
    try:
        record = json.loads(raw)
    except ValueError as exc:
        return f"not valid JSON ({exc})"
    if not isinstance(record, dict) or not isinstance(record.get("hash"), str):
        return "not an audit record (no hash)"
    try:
        altered = record_hash(record) != record["hash"]
    except ValueError:  # NaN and the like: never written by us
        altered = True
    if altered:
        return "record was altered: its hash does not match its content"
    found = record.get("seq")
    if found != seq + 1:
        if isinstance(found, int) and not isinstance(found, bool) and found > seq + 1:
            gone = f"record {seq + 1}" if found == seq + 2 else f"records {seq + 1}-{found - 1}"
            return f"{gone} missing (found seq {found} where {seq + 1} was expected)"
        return f"out of order: seq {found!r} where {seq + 1} was expected"
    if record.get("prev") != prev:
        return "chain broken: prev is not the hash of the record before it"
    if record.get("segment") != segment:
        return (f"record of segment {record.get('segment')!r} found in {name} "
                f"(segment {segment}): rotated files were removed or renamed")
    if head is not None and head[0] == found and head[1] != record["hash"]:
        return f"record {found} is not the one {HEAD_NAME} recorded: the log was rewritten"
    return None
