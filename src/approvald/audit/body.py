"""A record's body as the audit log writes it: bounded, plain JSON data and redacted, before
it is chained. Standard library only (the hook may write records on its own)."""

from __future__ import annotations

import json

from approvald.audit.chain import AuditError
from approvald.redaction import (
    MARK,
    distinct_keys,
    holds_no_shape,
    is_mark,
    redact_obj,
    redact_text,
    redacts_nothing,
    secret_key_kind,
)

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

RESERVED = ("seq", "ts", "segment", "prev", "hash")  # the chain's own fields
MAX_TEXT = 65_536  # characters kept of any one string value
_SEPARATORS = (" ", "\n", "\t", '"', "'", "&", ",", ";", ":", "=", "/")


def record_body(record: dict[str, Any], extra: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """`record` redacted (`extra`: (name, value) pairs redacted by value), every string bounded
    to MAX_TEXT, as plain JSON data, without the chain's fields. ValueError for a record
    without an event; AuditError for one JSON cannot carry."""
    event = record.get("event") if isinstance(record, dict) else None
    if not isinstance(event, str) or not event:
        raise ValueError("an audit record needs an 'event' string")
    try:
        redacted = _plain_redacted(record, extra)
    except (_NotPlain, RecursionError):  # a cycle: the round trip says what it says
        try:
            # Through JSON once, so what is hashed is exactly what verify will read back.
            plain = json.loads(json.dumps(scrub(record), default=lambda o: scrub(str(o)),
                                          allow_nan=False))
        except ValueError as exc:
            raise AuditError(f"audit record is not JSON: {exc}") from exc
        redacted = redact_obj(plain, extra)
    for key in RESERVED:  # the copy is ours: the chain's fields are taken out of it
        redacted.pop(key, None)
    return redacted


def scrub_text(value: str) -> str:
    if len(value) > MAX_TEXT:
        # Cut at a separator near the end, so no token is kept half (and so unredacted).
        cut = max(value.rfind(sep, MAX_TEXT - 1024, MAX_TEXT) for sep in _SEPARATORS)
        kept = value[:cut] if cut > 0 else value[:MAX_TEXT - 1024]
        value = f"{kept} [truncated: {len(value)} characters in all]"
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def scrub(value: Any) -> Any:
    """Bound every string to MAX_TEXT characters and replace lone surrogates (valid in a JSON
    escape, not in UTF-8). A multi-megabyte command would otherwise cost seconds to redact,
    hash and write on every record that quotes it; its fingerprint still binds the full text."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {scrub(k) if isinstance(k, str) else k: scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


class _NotPlain(Exception):
    """A value `_plain_redacted` does not take: the JSON round trip decides what it becomes."""


_KeySet = tuple[tuple[str, ...], tuple["str | None", ...], bool]
# What `_key_set` found for a mapping's keys, by those keys: records repeat a few key sets, so
# a record's keys cost one lookup. Bounded: small key sets only, emptied when full.
_KEY_SETS: dict[tuple[str, ...], _KeySet] = {}
_KEY_SETS_MAX = 1024
_KEY_SET_CHARS = 4096


def _key_set(names: tuple[Any, ...]) -> _KeySet:
    """For a mapping's keys: each bounded (`scrub_text`), the secret kind each names (a string
    under it is replaced whole), and whether redaction by shape leaves them all as they are.
    _NotPlain for a key that is not a string, or two alike once bounded."""
    if any(type(name) is not str for name in names):
        raise _NotPlain
    keys = tuple(scrub_text(name) for name in names)
    if len(set(keys)) < len(keys):  # the round trip says which of the two stays
        raise _NotPlain
    found = (keys, tuple(secret_key_kind(key) for key in keys), holds_no_shape(keys))
    if sum(map(len, names)) <= _KEY_SET_CHARS:
        if len(_KEY_SETS) >= _KEY_SETS_MAX:
            _KEY_SETS.clear()
        _KEY_SETS[names] = found
    return found


_INFINITY = float("inf")


def _plain_redacted(value: dict[str, Any], extra: tuple[tuple[str, str], ...]) -> Any:
    """What `redact_obj(json.loads(json.dumps(scrub(value))), extra)` gives, for plain JSON
    data (str keys; str, int, float, bool, None, dict, list, tuple values); _NotPlain for
    anything else (the round trip then decides).

    Most records hold nothing to redact: the copy's strings, keys included, are checked all at
    once (`redacts_nothing`), and redacted one by one only when that cannot rule a secret out."""
    places: list[tuple[Any, Any]] = []
    # Every mapping, with whether redaction by shape leaves all its keys as they are.
    mappings: list[tuple[dict[str, Any], bool]] = []
    copy = _plain_copy(value, places, mappings)
    for _, keys_plain in mappings:
        if not keys_plain:
            break
    else:
        if redacts_nothing([container[key] for container, key in places], extra):
            return copy
    for container, key in places:
        container[key] = redact_text(container[key], extra)
    by_value = not redacts_nothing([], extra)  # values redacted by value may be in any key
    for mapping, keys_plain in mappings:
        if by_value or not keys_plain:
            _redact_keys(mapping, extra)
    return copy


def _redact_keys(mapping: dict[str, Any], extra: tuple[tuple[str, str], ...]) -> None:
    """`mapping`'s keys redacted in place, in their order (a parent holds this very dict)."""
    keys = list(mapping)
    redacted = [redact_text(key, extra) for key in keys]
    if redacted != keys:
        items = list(zip(distinct_keys(keys, redacted), mapping.values(), strict=True))
        mapping.clear()
        mapping.update(items)


def _plain_copy(value: Any, places: list[tuple[Any, Any]],
                mappings: list[tuple[dict[str, Any], bool]]) -> Any:
    """`value` bounded, as plain JSON data, with each string a secret key does not hide left
    as it is and its place, (container, key or index), added to `places`, and each mapping to
    `mappings` (its keys are redacted too)."""
    kind = type(value)
    if kind is dict:
        names = tuple(value)
        keys, secrets, keys_plain = _KEY_SETS.get(names) or _key_set(names)
        out: dict[str, Any] = {}
        for key, secret, item in zip(keys, secrets, value.values(), strict=True):
            if type(item) is str:
                if len(item) > MAX_TEXT or not item.isascii():
                    item = scrub_text(item)
                if secret and item and not is_mark(item):
                    item = MARK.format(secret)
                else:
                    places.append((out, key))
                out[key] = item
            else:
                out[key] = _plain_copy(item, places, mappings)
        mappings.append((out, keys_plain))
        return out
    if kind is list or kind is tuple:
        items: list[Any] = []
        for item in value:
            if type(item) is str:
                places.append((items, len(items)))
                items.append(scrub_text(item))
            else:
                items.append(_plain_copy(item, places, mappings))
        return items
    if value is None or kind is int or kind is bool:
        return value
    if kind is float and -_INFINITY < value < _INFINITY:  # finite, without importing math
        return value
    raise _NotPlain
