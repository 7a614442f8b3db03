"""JSON input that is not text, the three ways it arrives: a lone surrogate as an escape (valid
JSON syntax; `json.loads` returns a string no UTF-8 can carry), a surrogate encoded as bytes
(what `json.loads` of bytes decodes with `surrogatepass`), and bytes that are not UTF-8."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

MARK = "@ODD-TEXT@"
ESCAPE, ENCODED, INVALID = "lone-surrogate-escape", "encoded-surrogate", "invalid-utf8"
KINDS = [ESCAPE, ENCODED, INVALID]
# What the refusal must name, by kind.
NAMED = {ESCAPE: "lone surrogate", ENCODED: "UTF-8", INVALID: "UTF-8"}


def bad_json(make: Callable[[str], Any], kind: str, text: str = "rm -rf / ") -> bytes:
    """`make(text + odd)` as JSON bytes, `odd` being no text in the way `kind` says (a JSON
    string nested in a string, as Copilot's `toolArgs`, carries it too)."""
    if kind == ESCAPE:  # json.dumps writes the lone surrogate as \udcff, at every level
        return json.dumps(make(text + "\udcff")).encode()
    odd = b"\xed\xb3\xbf" if kind == ENCODED else b"\xff\xfe"
    raw = json.dumps(make(text + MARK)).encode()
    assert MARK.encode() in raw
    return raw.replace(MARK.encode(), odd)
