"""Redacting two output streams that may share a secret between them (`approvald exec`).

A child can print half a value on stdout and the rest on stderr; each stream alone then holds
no secret. `Interleaved` looks for every form of every value in each stream on its own AND in
the two merged in the order their bytes arrived, and routes what is left back to the stream
each byte came from. A match found in the merged order is replaced by its mark on the stream
where the match began; its bytes vanish from both.

Streaming works as in `RedactingStream`: bytes that might still begin a match are held back
(per stream, and in the merged order) until more output decides them, the stream ends, or the
child goes quiet (`flush_idle`). Held bytes are capped (`MAX_HELD`): a stream that floods while
the other holds a possible prefix releases it rather than grow without bound.
"""

from __future__ import annotations

import bisect

from approvald.redaction.values import Redactor

MAX_HELD = 1024 * 1024


class Interleaved:
    def __init__(self, redactor: Redactor, streams: int = 2):
        self._redactor = redactor
        self._streams = streams
        self._buf = bytearray()  # merged, in arrival order
        self._runs: list[list[int]] = []  # [stream, start, end) over _buf, in order

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, index: int, chunk: bytes) -> list[tuple[int, bytes]]:
        """(stream, bytes) to write, in order, after `chunk` arrived on stream `index`."""
        if not chunk:
            return []
        start = len(self._buf)
        self._buf += chunk
        if self._runs and self._runs[-1][0] == index:
            self._runs[-1][2] = len(self._buf)
        else:
            self._runs.append([index, start, len(self._buf)])
        return self._emit(len(self._buf) if len(self._buf) > MAX_HELD else self._cut())

    def close(self) -> list[tuple[int, bytes]]:
        return self._emit(len(self._buf))

    def flush_idle(self) -> list[tuple[int, bytes]]:
        """The child went quiet: let through what cannot begin a secret in any view."""
        cut = len(self._buf)
        for view in self._views():
            data = view.data
            start = 0
            while start < len(data) and not self._redactor.could_start_at(data, start):
                start += 1
            if start < len(data):
                cut = min(cut, view.merged(start))
        return self._emit(cut)

    # -- views: the merged order, and each stream alone ---------------------------------------

    def _views(self) -> list[_View]:
        views = [_View(bytes(self._buf), [(0, 0, len(self._buf))])]
        if len({run[0] for run in self._runs}) < 2:
            return views  # one stream: the merged order is that stream
        for stream in range(self._streams):
            segments, parts, offset = [], [], 0
            for origin, start, end in self._runs:
                if origin == stream:
                    segments.append((offset, start, end - start))
                    parts.append(self._buf[start:end])
                    offset += end - start
            if segments:
                views.append(_View(b"".join(parts), segments))
        return views

    def _cut(self) -> int:
        """Merged positions before this are decided: no match can still begin before it in
        any view (a match is at most `max_len` bytes of that view)."""
        keep = self._redactor.max_len - 1
        cut = len(self._buf)
        for view in self._views():
            if len(view.data) > keep:
                cut = min(cut, view.merged(len(view.data) - keep) if keep else cut)
            else:
                cut = min(cut, view.merged(0))
        return cut

    def _emit(self, cut: int) -> list[tuple[int, bytes]]:
        pattern = self._redactor.pattern
        dropped: list[tuple[int, int]] = []  # merged [start, end)
        marks: dict[int, int] = {}  # merged position -> the secret whose mark goes there
        if pattern is not None:
            found: list[tuple[int, list[tuple[int, int]], int]] = []
            for view in self._views():
                for match in pattern.finditer(view.data):
                    first = view.merged(match.start())
                    if first >= cut:
                        break
                    found.append((first, view.spans(match.start(), match.end()),
                                  (match.lastindex or 1) - 1))
            covered: list[tuple[int, int]] = []
            for first, spans, secret in sorted(found, key=lambda f: f[0]):
                if any(a <= first < b for a, b in covered):
                    continue  # inside a match already found in another view
                marks[first] = secret
                dropped += spans
                covered += spans
        end = max([cut, *(b for _, b in dropped)])
        out: list[tuple[int, bytes]] = []
        cuts = sorted(dropped)
        for stream, start, stop in self._runs:
            if start >= end:
                break
            pos = start
            stop = min(stop, end)
            for a, b in cuts:
                if b <= pos or a >= stop:
                    continue
                if a > pos:
                    _add(out, stream, bytes(self._buf[pos:a]))
                if a in marks and a >= start:
                    _add(out, stream, self._redactor.marks[marks.pop(a)])
                pos = max(pos, b)
            if pos < stop:
                _add(out, stream, bytes(self._buf[pos:stop]))
        del self._buf[:end]
        runs = []
        for stream, start, stop in self._runs:
            if stop > end:
                runs.append([stream, max(start, end) - end, stop - end])
        self._runs = runs
        return out


def _add(out: list[tuple[int, bytes]], stream: int, data: bytes) -> None:
    if not data:
        return
    if out and out[-1][0] == stream:
        out[-1] = (stream, out[-1][1] + data)
    else:
        out.append((stream, data))


class _View:
    """Bytes of the merged buffer in some order, with where each lies in the merged buffer:
    segments of (view offset, merged offset, length)."""

    def __init__(self, data: bytes, segments: list[tuple[int, int, int]]):
        self.data = data
        self.segments = segments
        self._starts = [s[0] for s in segments]

    def merged(self, index: int) -> int:
        if index >= len(self.data):
            last = self.segments[-1]
            return last[1] + last[2]
        offset, start, _ = self.segments[bisect.bisect_right(self._starts, index) - 1]
        return start + index - offset

    def spans(self, begin: int, end: int) -> list[tuple[int, int]]:
        """The merged [start, end) pieces of view bytes [begin, end)."""
        pieces = []
        for offset, start, length in self.segments:
            a, b = max(begin, offset), min(end, offset + length)
            if a < b:
                pieces.append((start + a - offset, start + b - offset))
        return pieces
