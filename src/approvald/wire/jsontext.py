"""Strict JSON text: how every place input enters approvald reads JSON (the daemon's bodies,
the hook's payloads and the JSON strings inside them, the gateway's tool calls).

`json.loads` takes more than JSON text: NaN and Infinity, bytes that decode to lone surrogates
(it decodes with `surrogatepass`), and `\\uD800` escapes without their pair. A lone surrogate
is no Unicode character: the first `.encode("utf-8")` downstream (a fingerprint, the audit
log, a rendered answer) raises, far from the input. Here all of these are refused where they
enter, with a one-line reason.

Standard library only, and cheap: the hook's local check reads its payload with it.
`JsonTextError`'s message is a predicate ("is not JSON (...)", "holds a lone surrogate ...");
the caller names the subject ("request body ", "hook input ").
"""

from __future__ import annotations

import json

from approvald.model.lazyre import lazy_compile

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

# Only a text holding one of these can hold a lone surrogate once parsed: then the exact
# (slower) check runs. JSON escapes are `\u` lower case; `\U` is not JSON.
_SURROGATE_ESCAPE = lazy_compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = lazy_compile("[\ud800-\udfff]")
LONE_SURROGATE = ("holds a lone surrogate (\\uD800-\\uDFFF without its pair), "
                  "which is not text")
NOT_AN_OBJECT = "must be a JSON object"


class JsonTextError(ValueError):
    """Not strict JSON text; the message is one line, a predicate without its subject."""


def refuse_constant(name: str) -> Any:
    """`json.loads`' parse_constant: NaN and Infinity are no JSON numbers."""
    raise ValueError(f"{name} is not a JSON number")


# One decoder for every call: `json.loads(text, parse_constant=...)` builds one per call.
DECODER = json.JSONDecoder(parse_constant=refuse_constant)


def decode_text(data: bytes) -> str:
    """`data` as text, in the encoding JSON's rules detect (UTF-8, with or without a BOM; UTF-16
    or UTF-32 by their zero bytes), decoded strictly: a byte sequence that is not text in it,
    an encoded surrogate included, is a JsonTextError."""
    encoding = json.detect_encoding(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        shown = " ".join(f"0x{b:02x}" for b in data[exc.start:min(exc.end, exc.start + 4)])
        raise JsonTextError(f"is not {encoding.upper().removesuffix('-SIG')} text ({shown} at "
                            f"byte {exc.start}: {exc.reason})") from None


def loads(data: bytes | str) -> Any:
    """Strict JSON text `data` parsed; JsonTextError, one line saying why, for anything else
    (text that does not decode, NaN and Infinity, lone surrogates, nesting too deep)."""
    text = decode_text(data) if isinstance(data, (bytes, bytearray)) else data
    try:
        doc = DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        raise JsonTextError(f"is not JSON ({_one_line(exc)})") from None
    if _SURROGATE_ESCAPE.search(text) or (isinstance(data, str) and _SURROGATE.search(text)):
        check_text(doc)  # only then pay for the exact check
    return doc


def loads_object(data: bytes | str) -> dict[str, Any]:
    """`loads`, for a text that must hold an object."""
    doc = loads(data)
    if not isinstance(doc, dict):
        raise JsonTextError(NOT_AN_OBJECT)
    return doc


def check_text(value: Any) -> None:
    """JsonTextError when a string anywhere in `value` (parsed JSON: dicts, lists, scalars)
    holds a lone surrogate, which no UTF-8 text can carry."""
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        raise JsonTextError(LONE_SURROGATE) from None
    except (ValueError, RecursionError) as exc:  # a cycle, or nesting json cannot write
        raise JsonTextError(f"is not JSON ({_one_line(exc)})") from None


def spelled_out(value: Any) -> Any:
    """`value` (parsed JSON) with each lone surrogate in its strings, keys included, written as
    the escape a JSON file spells it with (`\\udcff`, six characters): text to show or scan
    where refusing the whole would hide the rest (another program's config file)."""
    if isinstance(value, str):
        return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", value)
    if isinstance(value, list):
        return [spelled_out(item) for item in value]
    if isinstance(value, dict):
        return {spelled_out(key): spelled_out(item) for key, item in value.items()}
    return value


def is_text(value: str) -> bool:
    """Whether `value` can be written as UTF-8 (holds no lone surrogate)."""
    return not _SURROGATE.search(value)


def _one_line(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:200]
