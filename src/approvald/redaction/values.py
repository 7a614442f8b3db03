"""Known secret values, redacted in every form a program is likely to print them in.

The streaming `Redactor` serves a child process's output (`approvald exec`); `redact_text` the
same for one string (audit records, answers, events).

Every known secret value is replaced by `[REDACTED:NAME]` in the forms a program is likely to
print it in:
- raw, URL-encoded (`%2F`/`%2f`, `+` for space) or JSON-escaped (`\\u002f`, `\\/`) byte by
  byte, in any mix; and all of that reversed (`rev`);
- a hex dump, either case, with the gaps `xxd -p` and `od -An -tx1` leave between bytes;
- base64 and base64url, with or without padding, with a newline allowed between characters
  (`base64` wraps at 76 columns);
- base64 of the value embedded in a longer text (`NAME=value`, `user:value`, `value\\n` as
  `echo $X | base64` produces): base64 encodes 3-byte groups, so for each of the three possible
  alignments of the value the characters that depend on the value alone (the "core") are
  matched. At most two characters on each side of a core stay visible; they carry a few bits of
  the value's ends, which is the price of matching an unknown context.

Streaming: output arrives in chunks split anywhere. A match can be at most `max_len` bytes long,
so after each chunk everything is emitted except a tail of `max_len - 1` bytes that might still
be the start of a match; the result is byte for byte what a single pass over the whole stream
gives, however the stream is chunked. `flush_idle()` lets an interactive prompt through when the
child goes quiet: it emits the part of the tail that cannot be the start of any secret form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# An atom is one position of a form: the byte strings that may stand there.
Atom = tuple[bytes, ...]
Form = tuple[Atom, ...]

# Shorter base64 cores than this would also match unrelated base64 text too often.
MIN_CORE_CHARS = 8


_JSON_ESCAPES = {0x22: b'\\"', 0x5C: b"\\\\", 0x2F: b"\\/"}
# What may stand between two bytes of a hex dump: `xxd -p` wraps lines, `od -An -tx1` puts a
# space before every byte and starts each line with one.
_HEX_GAPS = (b"", b" ", b"\n", b"\n ")


def _plain_form(value: bytes) -> Form:
    """Each byte raw, percent-encoded (either hex case; a space also as `+`) or, for ASCII, a
    JSON `\\u00XX` escape (either case; `\\/`, `\\"` and `\\\\` too), in any mix."""
    atoms: list[Atom] = []
    for byte in value:
        alts = {bytes([byte]), b"%%%02X" % byte, b"%%%02x" % byte}
        if byte == 0x20:
            alts.add(b"+")
        if byte < 0x80:
            alts |= {b"\\u%04x" % byte, b"\\u%04X" % byte}
            if byte in _JSON_ESCAPES:
                alts.add(_JSON_ESCAPES[byte])
        atoms.append(tuple(sorted(alts, key=lambda a: (-len(a), a))))
    return tuple(atoms)


def _hex_form(value: bytes) -> Form:
    """A hex dump of the value, either case (`xxd -p`, `od -An -tx1`, `hexdump`-like)."""
    atoms: list[Atom] = []
    for i, byte in enumerate(value):
        pairs = (b"%02x" % byte, b"%02X" % byte)
        gaps = _HEX_GAPS if i else (b"",)
        alts = {gap + pair for gap in gaps for pair in pairs}
        atoms.append(tuple(sorted(alts, key=lambda a: (-len(a), a))))
    return tuple(atoms)


def _b64_form(text: bytes) -> Form:
    """Base64 text; a wrapped encoding may put a newline before any character but the first."""
    return tuple((bytes([c]),) if i == 0 else (b"\n" + bytes([c]), bytes([c]))
                 for i, c in enumerate(text))


def _b64_texts(value: bytes, min_core: int) -> list[bytes]:
    import base64  # only here: the hook redacts its audit record with this module

    texts: list[bytes] = []
    for encode in (base64.standard_b64encode, base64.urlsafe_b64encode):
        full = encode(value)
        texts += [full, full.rstrip(b"=")]
        for shift in range(3):
            part = value[shift:]
            part = part[: len(part) // 3 * 3]
            core = encode(part)
            if len(core) >= min_core:
                texts.append(core)
    return texts


def secret_forms(value: bytes, min_core: int = MIN_CORE_CHARS) -> list[Form]:
    """Every form of `value` the redactor matches, longest first, without duplicates."""
    forms: list[Form] = [_plain_form(value), _plain_form(value[::-1]), _hex_form(value)]
    forms += [_b64_form(text) for text in _b64_texts(value, min_core) if text]
    unique = list(dict.fromkeys(forms))
    unique.sort(key=form_max_len, reverse=True)
    return unique


def form_max_len(form: Form) -> int:
    return sum(max(len(alt) for alt in atom) for atom in form)


def _form_regex(form: Form) -> bytes:
    parts = []
    for atom in form:
        if len(atom) == 1:
            parts.append(re.escape(atom[0]))
        else:
            parts.append(b"(?:" + b"|".join(re.escape(alt) for alt in atom) + b")")
    return b"".join(parts)


def _could_start(form: Form, data: bytes, start: int) -> bool:
    """Is data[start:] a whole match of `form` or the beginning of one? (a small NFA walk)"""
    states = {(0, j, 0) for j in range(len(form[0]))}  # (atom index, alternative, offset)
    for byte in data[start:]:
        following: set[tuple[int, int, int]] = set()
        for atom_i, alt_i, offset in states:
            alt = form[atom_i][alt_i]
            if alt[offset] != byte:
                continue
            if offset + 1 < len(alt):
                following.add((atom_i, alt_i, offset + 1))
            elif atom_i + 1 == len(form):
                return True  # a whole form: certainly a match start
            else:
                following.update((atom_i + 1, j, 0) for j in range(len(form[atom_i + 1])))
        if not following:
            return False
        states = following
    return True  # the data ended while a match was still possible


class Redactor:
    """Knows the secrets; makes `RedactingStream`s and redacts whole buffers."""

    def __init__(self, secrets: Iterable[tuple[str, str | bytes]],
                 min_core: int = MIN_CORE_CHARS):
        entries: list[tuple[str, bytes]] = []
        for name, value in secrets:
            raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
            if raw:
                entries.append((name, raw))
        # A longer value that contains a shorter one must win where both match.
        entries.sort(key=lambda e: len(e[1]), reverse=True)
        self.marks: list[bytes] = [f"[REDACTED:{name}]".encode() for name, _ in entries]
        self._forms: list[list[Form]] = [secret_forms(raw, min_core) for _, raw in entries]
        self.max_len = max((form_max_len(f) for forms in self._forms for f in forms), default=1)
        self.pattern: re.Pattern[bytes] | None = None
        self._first_bytes = {alt[0] for forms in self._forms for f in forms for alt in f[0]}
        if entries:
            groups = [b"(" + b"|".join(_form_regex(f) for f in forms) + b")"
                      for forms in self._forms]
            # The lookahead lets the engine skip every byte no form starts with (3x faster).
            first = re.escape(bytes(sorted(self._first_bytes)))
            self.pattern = re.compile(b"(?=[" + first + b"])(?:" + b"|".join(groups) + b")")

    def stream(self) -> RedactingStream:
        return RedactingStream(self)

    def redact(self, data: bytes) -> bytes:
        stream = self.stream()
        return stream.feed(data) + stream.close()

    def redact_text(self, text: str) -> str:
        if self.pattern is None:
            return text
        raw = text.encode("utf-8", "surrogatepass")
        if not self.pattern.search(raw):
            return text
        return self.redact(raw).decode("utf-8", "surrogatepass")

    def could_start_at(self, data: bytes, start: int) -> bool:
        if data[start] not in self._first_bytes:
            return False
        return any(_could_start(f, data, start) for forms in self._forms for f in forms)


class RedactingStream:
    """Feed chunks in, get redacted bytes out; `close()` at the end of the stream."""

    def __init__(self, redactor: Redactor):
        self._redactor = redactor
        self._tail = b""

    @property
    def pending(self) -> int:
        """Bytes held back because they might be the start of a secret."""
        return len(self._tail)

    def feed(self, chunk: bytes) -> bytes:
        return self._process(self._tail + chunk, final=False)

    def close(self) -> bytes:
        return self._process(self._tail, final=True)

    def flush_idle(self) -> bytes:
        """Emit the held-back bytes that cannot begin a secret (the child went quiet)."""
        tail = self._tail
        keep = 0
        while keep < len(tail) and not self._redactor.could_start_at(tail, keep):
            keep += 1
        self._tail = tail[keep:]
        return tail[:keep]

    def _process(self, buf: bytes, final: bool) -> bytes:
        pattern = self._redactor.pattern
        if pattern is None:
            self._tail = b""
            return buf
        # A match starting before `cut` lies wholly inside `buf`: it is decided. Later starts
        # might continue in the next chunk, so they wait.
        cut = len(buf) if final else max(0, len(buf) - (self._redactor.max_len - 1))
        out: list[bytes] = []
        pos = 0
        for match in pattern.finditer(buf):
            if match.start() >= cut:
                break
            out.append(buf[pos:match.start()])
            out.append(self._redactor.marks[(match.lastindex or 1) - 1])
            pos = match.end()
        keep_from = max(pos, cut)
        out.append(buf[pos:keep_from])
        self._tail = buf[keep_from:]
        return b"".join(out)
