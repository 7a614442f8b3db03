"""What `policy test` and `policy explain` read: one JSON document, or one per line (`--jsonl`).

Input is read as bytes and decoded strictly, and JSON as the daemon reads it (`wire/jsontext`):
a line that is not UTF-8 text, holds NaN or a lone surrogate (`"\\udcff"`: a valid escape, but
no text) is that line's error, and the lines after it are still decided.

JSON lines come in batches: the complete lines one read returned. The caller writes a batch's
answers at once and before reading again, so a stream of thousands of lines costs a few dozen
writes (a write per line was a system call per line wherever `PYTHONUNBUFFERED` is set), while
someone typing lines still gets each answer before approvald waits for the next.
"""

from __future__ import annotations

import json
import sys

from approvald.wire.jsontext import DECODER, JsonTextError, check_text

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: typing costs every run time
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, BinaryIO

    Batch = list[tuple[int, Any]]  # (line number, parsed document or InputError)

MAX_INPUT_BYTES = 64 * 1024 * 1024
READ_SIZE = 1 << 16  # a pipe's whole buffer on Linux


class InputError(ValueError):
    """Unusable input: the message names the line."""


def open_input(name: str) -> BinaryIO:
    if name == "-":
        return sys.stdin.buffer
    try:
        return open(name, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}") from None


def one_document(stream: BinaryIO) -> Iterator[Batch]:
    """The whole input as one JSON document (a batch of one)."""
    data = stream.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        yield [(1, InputError(f"line 1: input is larger than {MAX_INPUT_BYTES} bytes"))]
    elif not data.strip():
        yield [(1, InputError("line 1: no input (expected one JSON document)"))]
    else:
        yield [_parse(1, data, whole=True)]


def line_batches(stream: BinaryIO) -> Iterator[Batch]:
    """One JSON document per line, in batches of what each read returned (blank lines
    skipped). A line longer than MAX_INPUT_BYTES is an error without being held in memory."""
    read = getattr(stream, "read1", stream.read)
    number = 0
    parts: list[bytes] = []  # the start of a line whose end has not been read yet
    held = 0  # len(b"".join(parts))
    too_long = False  # the pending line is past MAX_INPUT_BYTES (its bytes are dropped)
    while True:
        chunk = read(READ_SIZE)
        if not chunk:
            break
        end = chunk.rfind(b"\n") + 1  # only the new bytes are searched: linear in the input
        if not end:
            if not too_long:
                parts.append(chunk)
                held += len(chunk)
                if held > MAX_INPUT_BYTES:
                    parts, held, too_long = [], 0, True
            continue
        head = chunk[:end]
        if parts:
            parts.append(head)
            head = b"".join(parts)
        rest = chunk[end:]
        parts, held = ([rest], len(rest)) if rest else ([], 0)
        batch: Batch = []
        if too_long:  # the first line ends the one that was dropped
            too_long = False
            number += 1
            batch.append((number, _too_long(number)))
            head = head[head.index(b"\n") + 1:]
        number = _read_lines(head, number, batch)
        if held > MAX_INPUT_BYTES:
            parts, held, too_long = [], 0, True
        if batch:
            yield batch
    pending = b"".join(parts)
    if too_long:
        yield [(number + 1, _too_long(number + 1))]
    elif pending and not pending.isspace():
        yield [_parse(number + 1, pending)]


def _read_lines(head: bytes, number: int, batch: Batch) -> int:
    """Append to `batch` each line of `head` (whole lines, the last one numbered `number`
    before them) parsed; the number of the last one."""
    # Decoded all at once; as bytes, each line decoded and measured on its own by _parse, when
    # a byte is bad (to name its line) or a line could be past the limit.
    text = None
    if len(head) <= MAX_INPUT_BYTES:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            pass
    lines: list[str] | list[bytes] = text.split("\n") if text is not None else head.split(b"\n")
    lines.pop()  # (after the last newline)
    decode = DECODER.decode
    scan = DECODER.scan_once  # type: ignore[attr-defined]  # (JSONDecoder.__init__ sets it)
    for line in lines:
        number += 1
        if not line or line.isspace():
            continue
        if type(line) is str:
            try:  # the usual line, parsed here: a call less per line
                # `decode(line)` for a line that is one JSON value from its first character
                # to its last: the scanner `decode` runs, less its two passes over blanks
                doc, end = scan(line, 0)
                whole = end == len(line)
            except (ValueError, RecursionError, StopIteration):
                whole = False
            if not whole:
                try:  # (then `decode` says what the line holds, or what is wrong with it)
                    doc = decode(line)
                except (ValueError, RecursionError):
                    batch.append(_parse(number, line))
                    continue
            if "\\u" not in line:  # (only an escape makes a lone surrogate of UTF-8)
                batch.append((number, doc))
                continue
        batch.append(_parse(number, line))
    return number


def _too_long(number: int) -> InputError:
    return InputError(f"line {number}: larger than {MAX_INPUT_BYTES} bytes")


def _parse(number: int, data: str | bytes, whole: bool = False) -> tuple[int, Any]:
    """(line number, the document or the InputError saying what is wrong with it)."""
    if isinstance(data, str):
        text = data
    elif len(data) > MAX_INPUT_BYTES:  # bytes, whatever the line holds
        return number, _too_long(number)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            at = number + data.count(b"\n", 0, exc.start) if whole else number
            return at, InputError(f"line {at}: not UTF-8 text (byte {exc.start + 1} of "
                                  f"{'the input' if whole else 'the line'})")
    try:
        doc = DECODER.decode(text)
    except json.JSONDecodeError as exc:
        at = exc.lineno if whole else number
        return at, InputError(f"line {at}: invalid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return number, InputError(f"line {number}: invalid JSON: nested too deeply")
    except ValueError as exc:  # NaN, or an integer past int_max_str_digits
        return number, InputError(f"line {number}: invalid JSON: {exc}")
    if "\\u" in text:  # only an escape can make a lone surrogate of valid UTF-8
        try:
            check_text(doc)
        except JsonTextError as exc:
            return number, InputError(f"line {number}: {exc}")
    return number, doc
