"""Policy files, parsed once: a cache of parsed bundles keyed by what the parse depends on.

Parsing a policy file means loading YAML (the library itself, then the document) on every
start of every process that evaluates: the hook deciding without a daemon, the daemon and each
of its workers, `policy test`. A bundle parsed once is kept as JSON under the state directory
(`state/policy-cache/<key>.json`), the key being the sha256 of the file's path and text, this
cache's format and approvald's version: an edited file, a moved one or a new approvald is a
new key, so nothing stale is ever read back, and the policy hash (computed from the parsed
documents) is the same either way. JSON, not pickle: reading an entry runs no code. An entry
that is unreadable or not shaped as written is parsed again; a cache that cannot be written
(a read-only state directory) is only slower. The cache sits beside the policies in the state
directory, which self-protection keeps from the agent like the policies themselves.

Beside the bundles, `<key>.compiled` notes that a set of rules compiled (every full compile
writes one), holding their index (which target classes, programs, first arguments and gates
each branch can hold for: ruleset.index_rows): a process that decides once (the hook without a
daemon) then takes the index from it and compiles each rule only when an action first meets
it. Without the note (or with one not shaped as written) every rule compiles at load, so a
policy that does not compile never loads. The key covers everything compiling and indexing
depend on: the policy hash (the rules' matches, built-in ones included), which rules from
where, the home directory, this note's format and approvald's version.
"""

from __future__ import annotations

import json
import os

from approvald import __version__
from approvald.model import pathtext
from approvald.policy.loader import RawBundle, RawRule, parse_bundle, read_policy_text

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    # Paths are text here (the hook's local check does not import pathlib); a Path is taken too.
    Where = str | os.PathLike[str]

FORMAT = 4  # bump when parse_bundle's output changes shape or meaning
NOTE_FORMAT = 2  # bump when the `.compiled` note's content changes (2: the rule index in it)
KEEP = 64  # entries kept; the oldest go first


def cache_dir(state: Where) -> str | None:
    """Where parsed bundles are kept: beside the rest of approvald's state, once there is a
    state directory (the daemon makes it private; this never makes it)."""
    state = os.fspath(state)
    return pathtext.child(state, "policy-cache") if pathtext.is_dir(state) else None


def load_bundle(path: Where, cache: Where | None) -> RawBundle:
    """`path` parsed (PolicyError when it is not a valid policy), through `cache` when given."""
    path = os.fspath(path)
    text = read_policy_text(path)
    if cache is None:
        return parse_bundle(text, path)
    from approvald.signing import hex_digest

    key = hex_digest(f"{FORMAT}\0{__version__}\0{path}\0{text}".encode("utf-8", "replace"))
    entry = pathtext.child(os.fspath(cache), f"{key}.json")
    found = _read(entry, path)
    if found is not None:
        return found
    bundle = parse_bundle(text, path)
    _write(entry, bundle)
    return bundle


# Every field is kept (a field added to RawRule or RawBundle is kept too, under a new FORMAT:
# tests/policy/test_bundles.py holds these to the classes' fields), with the type a cached value
# must have (that of the field's default; None: any); `file` is the cache key's own path.
_RULE_FIELDS: dict[str, type | None] = {
    "id": None, "decision": None, "reason": None, "match": None, "line": None,
    "suggest": str, "risk": str, "overrides": tuple}
_BUNDLE_FIELDS: dict[str, type | None] = {
    "name": None, "default": None, "disable": list, "data": None, "disable_lines": dict,
    "unsound": list}


def _restored(found: dict[str, Any], wanted: dict[str, type | None]) -> dict[str, Any]:
    """The fields in `found` as the class holds them: a tuple field from a JSON list;
    ValueError when a field with a default does not have that default's type."""
    values = {name: found[name] for name in wanted}
    for name, shape in wanted.items():
        if shape is None:
            continue
        if shape is tuple and isinstance(values[name], list):
            values[name] = tuple(values[name])
        if type(values[name]) is not shape:
            raise ValueError(f"{name} is not shaped as written")
    return values


def _read(entry: str, file: str) -> RawBundle | None:
    try:
        with open(entry, "rb") as fh:
            doc = json.loads(fh.read())
        rules = [RawRule(file=file, **_restored(r, _RULE_FIELDS)) for r in doc["rules"]]
        bundle = RawBundle(file=file, rules=rules, **_restored(doc, _BUNDLE_FIELDS))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    shapes = (isinstance(bundle.name, str), bundle.default is None or isinstance(
        bundle.default, str), isinstance(bundle.data, dict),
              all(isinstance(r.id, str) and isinstance(r.match, dict) and isinstance(r.line, int)
                  for r in rules))
    return bundle if all(shapes) else None


def _write(entry: str, bundle: RawBundle) -> None:
    """Keep `bundle` at `entry` (atomically; silently not, when it cannot be)."""
    try:
        text = json.dumps({
            **{name: getattr(bundle, name) for name in _BUNDLE_FIELDS},
            "rules": [{name: getattr(r, name) for name in _RULE_FIELDS} for r in bundle.rules],
        }, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # a YAML value JSON has no form for (a date): parse each time
        return
    _store(entry, text)


def _store(entry: str, text: str) -> None:
    """`text` into `entry`, atomically (silently not, when it cannot be)."""
    import contextlib
    import tempfile  # only on a miss: it pulls in shutil, random and more

    directory = pathtext.parent(entry)
    with contextlib.suppress(OSError):
        try:  # in the state directory, if there is one
            os.mkdir(directory, 0o700)
        except OSError:
            if not pathtext.is_dir(directory):
                raise
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, entry)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(directory)


def _compiled_entry(rules: list[Any], cache: Where | None) -> str | None:
    """Where it is noted that the rules `rules` says (everything compiling them depends on,
    as JSON) compiled; None without a cache or for what JSON cannot say."""
    if cache is None:
        return None
    from approvald.model.actions import canonical_json
    from approvald.signing import hex_digest

    try:
        text = canonical_json([FORMAT, NOTE_FORMAT, __version__, rules])
    except (TypeError, ValueError):
        return None
    return pathtext.child(os.fspath(cache), f"{hex_digest(text)}.compiled")


def compiled_index(rules: list[Any], cache: Where | None) -> Any:
    """What the note that these rules compiled before (by this approvald) holds: their index
    (ruleset.index_rows, as JSON), for a process to compile each rule when first needed, no
    problem being left to find; None without such a note; a note that is not JSON as its bytes
    (which are no index)."""
    entry = _compiled_entry(rules, cache)
    if entry is None:
        return None
    try:
        with open(entry, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return data


def note_compiled(rules: list[Any], cache: Where | None, index: Callable[[], Any],
                  replace: bool = False) -> None:
    """Note that `rules` compiled, with their index (`index()`): silently not, when the cache
    cannot be written. `replace`: a note that is there is rewritten (it was not usable)."""
    entry = _compiled_entry(rules, cache)
    if entry is None or (not replace and pathtext.is_file(entry)):
        return
    try:
        text = json.dumps(index(), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return
    _store(entry, text)


def _prune(directory: str) -> None:
    import contextlib

    entries = [pathtext.child(directory, name) for name in os.listdir(directory)
               if pathtext.suffix(name) in (".json", ".compiled")]
    if len(entries) <= KEEP:
        return
    entries.sort(key=lambda entry: os.stat(entry).st_mtime_ns)
    for old in entries[:len(entries) - KEEP]:
        with contextlib.suppress(OSError):
            os.unlink(old)
