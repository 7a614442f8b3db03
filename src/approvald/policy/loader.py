"""Read policy YAML strictly: every error names the file, the line and the field.

A policy file becomes a `RawBundle` of `RawRule`s, read with a YAML loader whose mappings
(`LineMap`) and sequences remember their lines (`line_of`); the bundle's and each rule's keys
are checked here, each rule's `match` by approvald.policy.matchschema, imported only when a
file is parsed (the hook's local check takes parsed bundles from the cache, and this module's
types with them).
"""

from __future__ import annotations

import os

from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Plain
from approvald.policy.decision import DECISIONS
from approvald.policy.errors import PolicyError

MAX_POLICY_BYTES = 2_000_000
_ID = lazy_compile(r"^[a-z0-9][a-z0-9._-]*$")
BUNDLE_KEYS = {"version", "name", "description", "default", "disable", "rules"}
RULE_KEYS = {"id", "decision", "reason", "match", "description", "suggest", "risk",
             "overrides"}
RISKS = ("normal", "high")


class LineMap(dict):
    """A mapping that remembers the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _Seq(list):
    line: int = 0
    item_lines: list[int]


TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    import yaml

_LOADER: Any = None


def _line_loader() -> Any:
    """A SafeLoader whose mappings and sequences remember their lines: libyaml's when present
    (the same marks and constructors, much faster to compose). YAML is imported only here, for
    a file no cache has read yet (approvald.policy.bundles)."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            pass

        tags = yaml.resolver.BaseResolver
        LineLoader.add_constructor(tags.DEFAULT_MAPPING_TAG, _construct_mapping)
        LineLoader.add_constructor(tags.DEFAULT_SEQUENCE_TAG, _construct_sequence)
        _LOADER = LineLoader
    return _LOADER


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise PolicyError("keys must be strings", line=key_node.start_mark.line + 1)
        if key in result:
            raise PolicyError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1,
                              field=key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


class RawRule(Plain):
    id: str
    decision: str
    reason: str
    match: dict[str, Any]
    file: str
    line: int
    suggest: str  # what the agent could do instead, said with a deny
    risk: str  # `high`: the dashboard may ask again before approving (docs/POLICY.md)
    overrides: tuple[str, ...]  # an ALLOW rule's: REQUIRE_APPROVAL votes it silences

    def __init__(self, id: str, decision: str, reason: str, match: dict[str, Any], file: str,
                 line: int, suggest: str = "", risk: str = "normal",
                 overrides: tuple[str, ...] = ()) -> None:
        self.id = id
        self.decision = decision
        self.reason = reason
        self.match = match
        self.file = file
        self.line = line
        self.suggest = suggest
        self.risk = risk
        self.overrides = overrides

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"


class RawBundle(Plain):
    file: str
    name: str
    default: str | None
    rules: list[RawRule]
    disable: list[str]
    data: Any  # the parsed document, for the policy hash
    disable_lines: dict[str, int]  # each disabled id's line
    # Rules dropped for their problems (only when problems are collected): (name, line, the
    # keys of their match that are sound), so `policy check` finds those keys' problems too.
    unsound: list[tuple[str, int, dict[str, Any]]]

    def __init__(self, file: str, name: str, default: str | None, rules: list[RawRule],
                 disable: list[str] | None = None, data: Any = None,
                 disable_lines: dict[str, int] | None = None,
                 unsound: list[tuple[str, int, dict[str, Any]]] | None = None) -> None:
        self.file = file
        self.name = name
        self.default = default
        self.rules = rules
        self.disable = disable if disable is not None else []
        self.data = data
        self.disable_lines = disable_lines if disable_lines is not None else {}
        self.unsound = unsound if unsound is not None else []


def line_of(node: Any, key: str | None = None) -> int | None:
    if key is not None and isinstance(node, LineMap):
        return node.key_lines.get(key, node.line)
    return getattr(node, "line", None)


def parse_bundle(text: str, file: str, problems: list[PolicyError] | None = None) -> RawBundle:
    """The bundle in `text`. The first problem raises PolicyError; with a `problems` list every
    problem found is added to it instead and what is sound is kept (`policy check` reports all
    of them at once). A file that is not YAML at all raises either way."""
    def report(problem: PolicyError) -> None:
        if problems is None:
            raise problem
        problems.append(problem)

    if len(text.encode("utf-8", "replace")) > MAX_POLICY_BYTES:
        raise PolicyError(f"policy file is larger than {MAX_POLICY_BYTES} bytes", file=file)
    import yaml

    from approvald.policy.matchschema import sound_keys  # parsing only (it imports this module)

    try:
        doc = yaml.load(text, Loader=_line_loader())  # a SafeLoader
    except PolicyError as exc:
        raise PolicyError(str(exc).split(": ", 1)[-1], file=file, line=exc.line,
                          field=exc.field) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"not valid YAML: {problem}", file=file,
                          line=mark.line + 1 if mark else None) from None
    if doc is None:
        doc = LineMap()
        doc.line, doc.key_lines = 1, {}
    if not isinstance(doc, LineMap):
        raise PolicyError("a policy file must be a mapping with a 'rules' list", file=file,
                          line=1)
    for key in doc:
        if key not in BUNDLE_KEYS and not key.startswith("x-"):
            report(PolicyError(f"unknown key {key!r} (allowed: "
                               f"{', '.join(sorted(BUNDLE_KEYS))}, or x-* for shared anchors)",
                               file=file, line=line_of(doc, key), field=key))
    version = doc.get("version", 1)
    if version != 1:
        report(PolicyError(f"unsupported version {version!r} (expected 1)", file=file,
                           line=line_of(doc, "version"), field="version"))
    default = doc.get("default")
    if default is not None and default not in DECISIONS:
        report(PolicyError(f"must be one of {', '.join(DECISIONS)}", file=file,
                           line=line_of(doc, "default"), field="default"))
        default = None
    disable = doc.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(d, str) for d in disable):
        report(PolicyError("must be a list of rule ids", file=file,
                           line=line_of(doc, "disable"), field="disable"))
        disable = []
    rules_node = doc.get("rules", [])
    if not isinstance(rules_node, list):
        report(PolicyError("must be a list of rules", file=file, line=line_of(doc, "rules"),
                           field="rules"))
        rules_node = []
    rules: list[RawRule] = []
    unsound: list[tuple[str, int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for index, node in enumerate(rules_node):
        rule = _parse_rule(node, file, index, report)
        if rule is None:  # (reported; with problems collected, its sound keys are kept apart)
            if isinstance(node, LineMap) and isinstance(node.get("match"), dict):
                name = node.get("id")
                unsound.append((name if isinstance(name, str) and _ID.match(name)
                                else f"rules[{index}]", node.line, sound_keys(node["match"])))
            continue
        if rule.id in seen:
            report(PolicyError(f"duplicate rule id {rule.id!r} (first at line {seen[rule.id]})",
                               file=file, line=rule.line, field="id"))
            continue
        seen[rule.id] = rule.line
        rules.append(rule)
    from pathlib import PurePath  # parsing (a cache miss) only: the hook's local check has none

    name = doc.get("name", PurePath(file).stem)
    lines = getattr(doc.get("disable"), "item_lines", [])
    return RawBundle(file=file, name=str(name), default=default, rules=rules,
                     disable=list(disable), data=_plain(doc),
                     disable_lines=dict(zip(disable, lines, strict=False)), unsound=unsound)


def raise_problem(problem: PolicyError) -> None:
    """The default report: the first problem raises."""
    raise problem


def _parse_rule(node: Any, file: str, index: int,
                report: Callable[[PolicyError], None] = raise_problem) -> RawRule | None:
    """The rule `node` holds, or None when it has problems: each is reported (the default
    raises the first; `policy check` collects them all, so one run shows every problem)."""
    where = f"rules[{index}]"
    if not isinstance(node, LineMap):
        report(PolicyError("each rule must be a mapping", file=file, line=line_of(node),
                           field=where))
        return None
    found: list[PolicyError] = []

    def problem(message: str, key: str, field: str) -> None:
        error = PolicyError(message, file=file, line=line_of(node, key), field=field)
        found.append(error)
        report(error)

    for key in node:
        if key not in RULE_KEYS:
            problem(f"unknown key {key!r} in rule (allowed: {', '.join(sorted(RULE_KEYS))})",
                    key, f"{where}.{key}")
    for key in ("id", "decision", "reason", "match"):
        if key not in node:
            found.append(PolicyError(f"rule is missing {key!r}", file=file, line=node.line,
                                     field=f"{where}.{key}"))
            report(found[-1])
    rule_id: Any = node.get("id")  # (each field's type is known once `found` is empty)
    if "id" in node and (not isinstance(rule_id, str) or not _ID.match(rule_id)):
        problem("rule id must be lowercase letters, digits, '.', '_' or '-'", "id",
                f"{where}.id")
    name = rule_id if isinstance(rule_id, str) and _ID.match(rule_id) else where
    decision: Any = node.get("decision")
    if "decision" in node and decision not in DECISIONS:
        problem(f"must be one of {', '.join(DECISIONS)}", "decision", f"{name}.decision")
    reason: Any = node.get("reason")
    if "reason" in node and (not isinstance(reason, str) or not reason.strip()):
        problem("reason must be a sentence a person understands", "reason", f"{name}.reason")
    suggest = node.get("suggest", "")
    if "suggest" in node and (not isinstance(suggest, str) or not suggest.strip()):
        problem("suggest must be a sentence the agent can act on", "suggest",
                f"{name}.suggest")
    match: Any = node.get("match")
    if "match" in node:
        from approvald.policy.matchschema import validate_match  # (it imports this module)

        def match_problem(error: PolicyError) -> None:
            found.append(error)
            report(error)

        validate_match(match, file, f"{name}.match", match_problem)
    risk = node.get("risk", "normal")
    if risk not in RISKS:
        problem(f"must be one of {', '.join(RISKS)}", "risk", f"{name}.risk")
    overrides = node.get("overrides", [])
    if overrides:
        if decision != "ALLOW":
            problem("only an ALLOW rule may override other rules", "overrides",
                    f"{name}.overrides")
        elif not isinstance(overrides, list) or not all(
                isinstance(o, str) and _ID.match(o) for o in overrides):
            problem("must be a list of rule ids", "overrides", f"{name}.overrides")
    if found:
        return None
    return RawRule(id=rule_id, decision=decision, reason=reason.strip(),
                   match=match, file=file, line=node.line, suggest=" ".join(suggest.split()),
                   risk=risk, overrides=tuple(overrides))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("x-")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def read_policy_text(path: str | os.PathLike[str]) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except UnicodeDecodeError as exc:
        raise PolicyError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except OSError as exc:
        raise PolicyError(f"cannot read: {exc.strerror}", file=str(path)) from None


def load_bundle_file(path: str | os.PathLike[str],
                     problems: list[PolicyError] | None = None) -> RawBundle:
    return parse_bundle(read_policy_text(path), os.fspath(path), problems)
