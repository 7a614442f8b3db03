"""Compiled rules and the index that finds the ones a target can meet.

A rule is compiled into one predicate; a rule that is only `any_of` also into one entry per
branch, each indexed by the target classes it can hold for, the programs it names, and the
feature a command must have for it to hold (a gate: writes, reads, URLs, findings, content, a
dynamic part). A target is checked only against the entries that can hold for it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from approvald.model.plain import Frozen
from approvald.policy.index import (
    CLASSES,
    COMMAND,
    GATES,
    LINE,
    branches,
    gate,
    literal_first_args,
    literal_programs,
    program_globs,
    target_classes,
)
from approvald.policy.matchers import MatchCompiler, Predicate
from approvald.policy.targets import Target
from approvald.policy.words import Words

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

RawRuleTuple = tuple[str, str, str, str, "dict[str, Any]", str]


class CompiledRule(Frozen):
    # A predicate compiled late takes its _Later's place: equality and hash must not see it.
    UNCOMPARED = ("predicate",)

    id: str
    decision: str
    reason: str
    source: str
    predicate: Predicate

    def __init__(self, id: str, decision: str, reason: str, source: str,
                 predicate: Predicate) -> None:
        self.__dict__.update(id=id, decision=decision, reason=reason, source=source,
                             predicate=predicate)


class Entry(Frozen):
    """One branch of a rule, where it can hold: target classes, the programs it names (a set,
    or globs), and what a target must have for it to hold (a gate, see `GATES`)."""

    UNCOMPARED = ("predicate",)  # (see CompiledRule)

    rule: CompiledRule
    predicate: Predicate
    classes: frozenset[str]
    programs: frozenset[str] | None
    gate: str | None
    program_globs: Words | None
    first_args: frozenset[str] | None  # literal first arguments, with `programs`

    def __init__(self, rule: CompiledRule, predicate: Predicate, classes: frozenset[str],
                 programs: frozenset[str] | None, gate: str | None = None,
                 program_globs: Words | None = None,
                 first_args: frozenset[str] | None = None) -> None:
        self.__dict__.update(rule=rule, predicate=predicate, classes=classes, programs=programs,
                             gate=gate, program_globs=program_globs, first_args=first_args)


if TYPE_CHECKING:
    from typing import TypeVar

    _Owner = TypeVar("_Owner", Entry, CompiledRule)


class RuleSet:
    """Compiled rules; their branches indexed by target class and program; a default; a hash."""

    def __init__(self, rules: list[CompiledRule], entries: list[Entry], default: str,
                 policy_hash: str) -> None:
        self.rules = rules
        self.entries = entries
        self.default = default
        self.policy_hash = policy_hash
        self._by_class: dict[str, list[Entry]] = {c: [] for c in CLASSES}
        self._line: dict[str | None, list[Entry]] = {g: [] for g in (None, *GATES)}
        self._anywhere: dict[str | None, list[Entry]] = {g: [] for g in (None, *GATES)}
        self._globbed: list[Entry] = []
        self._by_program: dict[str, list[Entry]] = {}
        # (program, first argument) -> entries naming both literally (git's many subcommands)
        self._by_subcommand: dict[tuple[str, str], list[Entry]] = {}
        for entry in entries:
            for cls in entry.classes:
                if cls == LINE:
                    self._line[entry.gate].append(entry)
                elif cls != COMMAND:
                    self._by_class[cls].append(entry)
            if COMMAND in entry.classes:
                if entry.programs is not None and entry.first_args is not None:
                    for name in entry.programs:
                        for first in entry.first_args:
                            self._by_subcommand.setdefault((name, first), []).append(entry)
                elif entry.programs is not None:
                    for name in entry.programs:
                        self._by_program.setdefault(name, []).append(entry)
                elif entry.program_globs is not None:
                    self._globbed.append(entry)
                else:
                    self._anywhere[entry.gate].append(entry)
        self._combined: dict[tuple[Any, ...], list[Entry]] = {}

    def candidates(self, target: Target) -> list[Entry]:
        if target.command is None and not target.line_level:
            return self._by_class[target.kind]
        key = _command_key(target) if target.command is not None else _line_key(target)
        found = self._combined.get(key)
        if found is None:
            program = key[0]
            table = self._anywhere if program is not None else self._line
            found = [entry for name in (None, *key[1:]) for entry in table[name]]
            if program is not None:
                found += [entry for entry in self._globbed
                          if entry.program_globs is not None and
                          entry.program_globs.match(program)]
                found += self._by_program.get(program, [])
            if len(self._combined) < 8192:
                self._combined[key] = found
        command = target.command
        if command is not None and command.args and self._by_subcommand:
            more = self._by_subcommand.get((command.program, command.args[0]))
            if more:
                return found + more
        return found


def _command_key(target: Target) -> tuple[Any, ...]:
    """The program and the gates a command target passes (see `GATES`)."""
    cmd = target.command
    assert cmd is not None
    key: list[Any] = [cmd.program]
    if cmd.findings:
        key.append("finding")
    if cmd.dynamic is not None:
        key.append("dynamic")
    if target.urls:
        key.append("url")
    found = target.file_args()  # what `writes` and `reads` add to the redirects, once
    if target.base_writes or (found is not None and found.writes):
        key.append("writes")
    if target.base_reads or (found is not None and found.reads):
        key.append("reads")
    return tuple(key)


def _line_key(target: Target) -> tuple[Any, ...]:
    key: list[Any] = [None]
    for flag in ("pipe_to_shell", "fork_bomb", "syntax_error"):
        if getattr(target, flag):
            key.append(flag)
    if target.findings:
        key.append("finding")
    if target.content:
        key.append("content")
    if target.base_writes:
        key.append("writes")
    if target.base_reads:
        key.append("reads")
    return tuple(key)


# One branch's place in the index, as JSON keeps it (the `.compiled` note, policy/bundles.py):
# [target classes, literal programs or None, gate or None, program globs or None (when no
# literal programs), literal first arguments or None (with literal programs)].
if TYPE_CHECKING:
    IndexRow = list[Any]


def index_rows(raw: list[RawRuleTuple]) -> list[IndexRow]:
    """Every branch's index row, in `compile_rules`' order (what `compile_rules(index=)`
    takes instead of working them out again)."""
    rows: list[IndexRow] = []
    for *_, match, _file in raw:
        for branch in branches(match):
            rows.append(_row(branch))
    return rows


def _row(branch: dict[str, Any]) -> IndexRow:
    programs = literal_programs(branch)
    globs = _globs_of(branch) if programs is None else None
    return [sorted(target_classes(branch)), None if programs is None else sorted(programs),
            gate(branch), globs,
            _sorted_or_none(literal_first_args(branch)) if programs is not None else None]


def _globs_of(branch: dict[str, Any]) -> list[Any] | None:
    """What `program_globs(branch)` is made of (None: it is None)."""
    if "program" not in branch:
        return None
    value = branch["program"]
    return list(value) if isinstance(value, list) else [value]


def _sorted_or_none(names: frozenset[str] | None) -> list[str] | None:
    return None if names is None else sorted(names)


def _valid_row(row: Any) -> bool:
    """Whether `row` is shaped as `_row` writes it (a note read back is trusted no further)."""
    if type(row) is not list or len(row) != 5:
        return False
    classes, programs, gate_name, globs, first = row
    return (_strings(classes) and CLASSES.issuperset(classes)
            and (gate_name is None or gate_name in GATES)
            and (programs is None or _strings(programs))
            and (globs is None or (programs is None and _strings(globs)))
            and (first is None or (programs is not None and _strings(first))))


def _strings(value: Any) -> bool:
    return type(value) is list and all(type(word) is str for word in value)


def usable_index(index: Any) -> bool:
    """Whether `index` (read back from a note) is shaped as `index_rows` writes it (a row for
    each branch: `compile_rules` counts them)."""
    return type(index) is list and all(map(_valid_row, index))


def _entry(rule: CompiledRule, predicate: Predicate, row: IndexRow) -> Entry:
    classes, programs, gate_name, globs, first = row
    return Entry(rule, predicate, frozenset(classes),
                 None if programs is None else frozenset(programs), gate_name,
                 None if globs is None else program_globs({"program": globs}),
                 None if first is None else frozenset(first))


def compile_rules(raw: list[RawRuleTuple], home: str, later: bool = False,
                  index: list[IndexRow] | None = None
                  ) -> tuple[list[CompiledRule], list[Entry]]:
    """The rules and their entries. `later`: each predicate compiles on its first call (only
    for rules known to compile: a problem would otherwise surface in `evaluate`). `index`:
    each branch's index row, as `index_rows(raw)` gives them (from the `.compiled` note, where
    `usable_index` accepts them), instead of working them out; a row too few or too many:
    all worked out here."""
    rows = iter(index) if index is not None else None
    rules, entries = [], []
    for rule_id, decision, reason, source, match, file in raw:
        compiler = MatchCompiler(home, file, rule_id)
        parts = branches(match)
        # The rule's own predicate checks everything; the engine asks only its entries, so it
        # is compiled when first asked (its problems are its branches', found below).
        rule = _owned(CompiledRule(rule_id, decision, reason, source,
                                   _Later(compiler.compile, match)))
        rules.append(rule)
        for branch in parts:  # each compiled once, for its entry
            if rows is None:
                compile = partial(compiler.compile, for_entry=True)
                predicate = compile(branch) if not later else _Later(compile, branch)
                programs = literal_programs(branch)
                entries.append(_owned(Entry(rule, predicate, target_classes(branch), programs,
                                            gate(branch), program_globs(branch)
                                            if programs is None else None,
                                            literal_first_args(branch)
                                            if programs is not None else None)))
                continue
            row = next(rows, None)
            if row is None:  # fewer rows than branches: not this policy's index
                return compile_rules(raw, home, later)
            compile = partial(_compile_for_row, compiler, row)
            entries.append(_owned(_entry(rule, compile(branch) if not later
                                         else _Later(compile, branch), row)))
    if rows is not None and next(rows, None) is not None:  # more rows than branches
        return compile_rules(raw, home, later)
    return rules, entries


def _compile_for_row(compiler: MatchCompiler, row: IndexRow, branch: dict[str, Any]) -> Predicate:
    """The predicate of an entry filed by `row` (read back from a note): it leaves out what
    the index checked only where the row is the branch's own, else it checks everything."""
    return compiler.compile(branch, for_entry=row == _row(branch))


class _Later:
    """A predicate compiled on its first call: a process that decides once (the hook without
    a daemon) meets a few of the policy's 178 branches, and compiling them all was most of
    loading the policy. Once compiled, it puts the predicate in its owner's place (an entry's
    or a rule's `predicate`), so later calls go straight to it."""

    __slots__ = ("_compile", "_match", "_predicate", "owner")

    def __init__(self, compile: Callable[[dict[str, Any]], Predicate],
                 match: dict[str, Any]) -> None:
        self._compile = compile
        self._match = match
        self._predicate: Predicate | None = None
        self.owner: Entry | CompiledRule | None = None

    def __call__(self, target: Target) -> bool:
        if self._predicate is None:
            self._predicate = self._compile(self._match)
            if self.owner is not None:  # (frozen: set as its __init__ sets fields)
                self.owner.__dict__["predicate"] = self._predicate
        return self._predicate(target)


def _owned(owner: _Owner) -> _Owner:
    """`owner`, its `_Later` predicate told whose it is."""
    if isinstance(owner.predicate, _Later):
        owner.predicate.owner = owner
    return owner
