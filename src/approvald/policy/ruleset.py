"""Compiled rules and the index that finds the ones a target can meet.

A rule is compiled into one predicate; a rule that is only `any_of` also into one entry per
branch, each indexed by the target classes it can hold for, the programs it names, and the
feature a command must have for it to hold (a gate: writes, reads, URLs, findings, content, a
dynamic part). A target is checked only against the entries that can hold for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from approvald.policy.matchers import (
    CLASSES,
    COMMAND,
    GATES,
    LINE,
    MatchCompiler,
    Predicate,
    branches,
    gate,
    literal_programs,
    target_classes,
)
from approvald.policy.targets import Target

RawRuleTuple = tuple[str, str, str, str, dict[str, Any], str]


@dataclass(frozen=True)
class CompiledRule:
    id: str
    decision: str
    reason: str
    source: str
    predicate: Predicate


@dataclass(frozen=True)
class Entry:
    """One branch of a rule, where it can hold: target classes, and the programs when it names
    them literally."""

    rule: CompiledRule
    predicate: Predicate
    classes: frozenset[str]
    programs: frozenset[str] | None
    gate: str | None = None  # what a command must have for this branch to hold (GATES)


class RuleSet:
    """Compiled rules; their branches indexed by target class and program; a default; a hash."""

    def __init__(self, rules: list[CompiledRule], entries: list[Entry], default: str,
                 policy_hash: str) -> None:
        self.rules = rules
        self.entries = entries
        self.default = default
        self.policy_hash = policy_hash
        self._by_class: dict[str, list[Entry]] = {c: [] for c in CLASSES}
        self._anywhere: dict[str | None, list[Entry]] = {g: [] for g in (None, *GATES)}
        self._by_program: dict[str, list[Entry]] = {}
        for entry in entries:
            for cls in entry.classes:
                if cls != COMMAND:
                    self._by_class[cls].append(entry)
            if COMMAND in entry.classes:
                if entry.programs is None:
                    self._anywhere[entry.gate].append(entry)
                else:
                    for name in entry.programs:
                        self._by_program.setdefault(name, []).append(entry)
        self._combined: dict[tuple[str, ...], list[Entry]] = {}

    def candidates(self, target: Target) -> list[Entry]:
        if target.command is None:
            return self._by_class[LINE if target.line_level else target.kind]
        cmd = target.command
        key = (cmd.program, *(name for name in GATES if _has(target, name)))
        found = self._combined.get(key)
        if found is None:
            found = [entry for name in (None, *key[1:]) for entry in self._anywhere[name]]
            found += self._by_program.get(cmd.program, [])
            if len(self._combined) < 8192:
                self._combined[key] = found
        return found


def _has(target: Target, gate_name: str) -> bool:
    cmd = target.command
    assert cmd is not None
    if gate_name == "finding":
        return bool(cmd.findings)
    if gate_name == "dynamic":
        return cmd.dynamic is not None
    if gate_name == "url":
        return bool(target.urls)
    if gate_name == "content":
        return bool(target.content)
    if gate_name == "writes":
        return bool(target.writes)
    return bool(target.reads)


def compile_rules(raw: list[RawRuleTuple], home: str
             ) -> tuple[list[CompiledRule], list[Entry]]:
    rules, entries = [], []
    for rule_id, decision, reason, source, match, file in raw:
        compiler = MatchCompiler(home, file, rule_id)
        rule = CompiledRule(rule_id, decision, reason, source, compiler.compile(match))
        rules.append(rule)
        for branch in branches(match):
            entries.append(Entry(rule, compiler.compile(branch) if branch is not match
                                 else rule.predicate, target_classes(branch),
                                 literal_programs(branch), gate(branch)))
    return rules, entries
