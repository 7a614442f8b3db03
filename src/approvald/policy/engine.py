"""Evaluate actions against the layered policy.

Layers, in order: built-in self-protection (never removable), the starter policy, the user's
policies directory, the organisation's managed directory (approvald.policy.layers: nothing below
loosens it), then a project's `.approvald/policy.yaml` found from the action's cwd. A
project file lives where the agent can edit it, so it may only restrict: its ALLOW rules and a
weaker default are ignored (and reported), and it cannot disable anything.

Every matched rule votes; DENY beats REQUIRE_APPROVAL beats ALLOW. A simple command no rule
matched takes the effective default.
"""

from __future__ import annotations

import os
import time
from functools import lru_cache

from approvald.model import pathtext
from approvald.model.actions import Action, canonical_json
from approvald.paths import Paths, get_paths
from approvald.policy import builtin, layers
from approvald.policy.actiontargets import action_targets, describe
from approvald.policy.bundles import cache_dir as bundles_cache
from approvald.policy.bundles import compiled_index, load_bundle, note_compiled
from approvald.policy.decision import (
    ALLOW,
    REQUIRE_APPROVAL,
    Decision,
    Described,
    Match,
    stronger,
)
from approvald.policy.errors import PolicyError
from approvald.policy.loader import RawBundle, RawRule, load_bundle_file
from approvald.policy.overrides import Overrides
from approvald.policy.ruleset import RuleSet, compile_rules, index_rows, usable_index
from approvald.projects import repository_dir_texts
from approvald.signing import hex_digest

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

PROJECT_POLICY = (".approvald", "policy.yaml")  # under a directory between cwd and the repo root
_PROJECT_CACHE_SECONDS = 2.0


def starter_dir() -> Path:
    """The starter policies: `policies/` in a source checkout, else the installed package data."""
    from pathlib import Path

    return Path(starter_dir_text())


@lru_cache(maxsize=1)  # asked for every rule's layer: resolving it costs stats each time
def starter_dir_text() -> str:
    """`starter_dir` as text (the hook's local check does not import pathlib)."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    root = os.path.dirname(os.path.dirname(package))
    checkout = pathtext.normalized(os.path.join(root, "policies"))
    if pathtext.is_file(pathtext.normalized(os.path.join(root, "pyproject.toml"))) and \
            pathtext.is_dir(checkout):
        return checkout
    return pathtext.normalized(os.path.join(package, "policies"))


def _hash(parts: list[Any]) -> str:
    return "sha256:" + hex_digest(canonical_json(parts))


def _raw(rule: RawRule) -> tuple[str, str, str, str, dict[str, Any], str]:
    return (rule.id, rule.decision, rule.reason, rule.source, rule.match, rule.file)


def _validate(protection: list[dict[str, Any]]) -> None:
    from approvald.policy.matchschema import validate_match  # not for the hook's cached rules

    for spec in protection:
        validate_match(spec["match"], "<built-in>", spec["id"])


class PolicyEngine:
    def __init__(self, paths: Paths, bundles: list[RawBundle], *, include_project: bool,
                 home: str | None = None, managed: list[RawBundle] | None = None,
                 managed_hash: str | None = None, compile_later: bool = False) -> None:
        """`compile_later`: compile each rule when first needed, when exactly these rules
        compiled before (noted in the policy cache); otherwise, and by default, all now."""
        self.paths = paths
        self.home = home or os.path.expanduser("~")
        self.bundles = bundles + (managed or [])
        self.managed_hash = managed_hash  # the managed layer's bundle hash (None: no layer)
        self.include_project = include_project
        self.warnings: list[str] = []
        protection = builtin.self_protection_rules(paths, self.home)
        if not compile_later:
            _validate(protection)
        raw = [(r["id"], r["decision"], r["reason"], "<built-in>", r["match"], "<built-in>")
               for r in protection]
        seen: dict[str, str] = {r["id"]: "<built-in>" for r in protection}
        disabled, default = layers.merge(
            bundles, managed or [], seen, lambda rule: raw.append(_raw(rule)), self.warnings,
            is_user=lambda b: self.layer_of(b.file) == layers.USER)
        raw = [r for r in raw if r[0] not in disabled]
        policy_hash = _hash([protection, [b.data for b in self.bundles], sorted(disabled)])
        # What compiling `raw` depends on: the rules' matches (from the documents and the
        # built-in rules the hash covers), which rules and from where, and the home directory.
        compiled = [policy_hash, self.home, [(r[0], r[3], r[5]) for r in raw]]
        cache = bundles_cache(paths.state_dir)
        # Noted: these rules (the built-in ones validated) compiled, and their index.
        index = compiled_index(compiled, cache) if compile_later else None
        later = index is not None and usable_index(index)
        if compile_later and not later:
            _validate(protection)
        rules, entries = compile_rules(raw, self.home, later=later,
                                       index=index if later else None)
        if not later:
            note_compiled(compiled, cache, lambda: index_rows(raw), replace=index is not None)
        self.base = RuleSet(rules, entries, default, policy_hash)
        self.overrides = Overrides(self.bundles, self.layer_of, self.warnings)
        # Rules marked `risk: high`: the dashboard may ask again before approving for them.
        self.high_risk = frozenset(rule.id for bundle in self.bundles for rule in bundle.rules
                                   if rule.risk == "high" and rule.id not in disabled)
        self._base_raw = raw
        # (rule id, source) -> what the agent could do instead (`suggest:`), for a deny.
        self._suggest: dict[tuple[str, str], str] = {
            (r["id"], "<built-in>"): r["suggest"] for r in protection if r.get("suggest")}
        self._suggest.update({(rule.id, rule.source): rule.suggest for b in self.bundles
                              for rule in b.rules if rule.suggest})
        self._project_lookup: dict[str, tuple[float, str | None]] = {}
        self._project_sets: dict[tuple[str, int], RuleSet | PolicyError] = {}

    @property
    def policy_hash(self) -> str:
        return self.base.policy_hash

    def layer_of(self, source: str) -> str:
        """`built-in`, `starter`, `user`, `managed`, `project` or `given`, for a rule's source
        (`file:line`) or a bundle's file."""
        return layers.layer_of(source, starter=starter_dir_text(), user=self.paths.policies_dir,
                               managed=self.paths.managed_dir)

    # -- project layer -------------------------------------------------------------------
    def _find_project_policy(self, cwd: str) -> str | None:
        now = time.monotonic()
        cached = self._project_lookup.get(cwd)
        if cached and cached[0] > now:
            return cached[1]
        found: str | None = None
        for directory in repository_dir_texts(cwd):
            candidate = pathtext.child(directory, *PROJECT_POLICY)
            if pathtext.is_file(candidate):
                found = candidate
                break
        if len(self._project_lookup) > 4096:
            self._project_lookup.clear()
        self._project_lookup[cwd] = (now + _PROJECT_CACHE_SECONDS, found)
        return found

    def _project_ruleset(self, path: str) -> RuleSet | PolicyError:
        try:
            key = (path, os.stat(path).st_mtime_ns)
        except OSError as exc:
            return PolicyError(f"cannot read: {exc.strerror}", file=path)
        if key not in self._project_sets:
            self._project_sets[key] = self._build_project(path)
        return self._project_sets[key]

    def _build_project(self, path: str) -> RuleSet | PolicyError:
        try:
            bundle = load_bundle_file(path)
            notes = []
            if bundle.disable:
                notes.append(f"{path}: 'disable' is ignored in a project policy")
            kept = []
            for rule in bundle.rules:
                if rule.decision == ALLOW:
                    notes.append(f"{rule.source}: ALLOW rule {rule.id!r} ignored: a project "
                                 "policy may only restrict")
                elif any(rule.id == r[0] for r in self._base_raw):
                    raise PolicyError(f"rule id {rule.id!r} already exists in the base policy",
                                      file=str(path), line=rule.line, field="id")
                else:
                    kept.append(_raw(rule))
                    if rule.suggest:
                        self._suggest[(rule.id, rule.source)] = rule.suggest
            default = self.base.default
            if bundle.default is not None:
                if stronger(bundle.default, default) == bundle.default:
                    default = bundle.default
                else:
                    notes.append(f"{path}: default {bundle.default} is weaker than "
                                 f"{default}; ignored")
            rules, entries = compile_rules(kept, self.home)
            self.warnings.extend(n for n in notes if n not in self.warnings)
            return RuleSet(self.base.rules + rules, self.base.entries + entries, default,
                           _hash([self.base.policy_hash, bundle.data]))
        except PolicyError as exc:
            return exc

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self, action: Action) -> Decision:
        ruleset: RuleSet = self.base
        project_error: PolicyError | None = None
        if self.include_project and action.cwd:
            project = self._find_project_policy(action.cwd)
            if project is not None:
                found = self._project_ruleset(project)
                if isinstance(found, PolicyError):
                    project_error = found
                else:
                    ruleset = found
        targets, analysis = action_targets(action, self.home)
        matches: list[Match] = []
        seen: set[tuple[str, str]] = set()
        unmatched: list[str] = []
        candidates = ruleset.candidates
        judged_alone = False  # a target that is not a whole line (the default may apply)
        for target in targets:
            hit = False
            decided: set[str] | None = None  # rules already matched (one entry per branch)
            for entry in candidates(target):
                rule = entry.rule
                if (decided is None or rule.id not in decided) and entry.predicate(target):
                    if decided is None:
                        decided = {rule.id}
                    else:
                        decided.add(rule.id)
                    hit = True
                    key = (rule.id, target.text)
                    if key not in seen:
                        seen.add(key)
                        matches.append(Match(rule.id, rule.decision, rule.reason, target.text,
                                             rule.source))
            if not target.line_level:
                judged_alone = True
                if not hit:
                    unmatched.append(target.text)
        if matches:
            matches = self.overrides.apply(matches)
        if project_error is not None:
            matches.append(Match("project-policy-error", REQUIRE_APPROVAL,
                                 f"The project policy is broken, so a person decides: "
                                 f"{project_error}", action.summary, project_error.file))
        final = ALLOW
        for match in matches:
            final = stronger(final, match.decision)
        if unmatched or not judged_alone:
            final = stronger(final, ruleset.default)
        deciding = [m for m in matches if m.decision == final] if matches else matches
        suggest = None
        if deciding:
            reason = deciding[0].reason
            for m in deciding:
                suggest = self._suggest.get((m.rule, m.source))
                if suggest is not None:
                    break
        else:
            what = unmatched[0] if unmatched else action.summary
            reason = f"No rule matched {_short(what)!r}; the policy's default is {final}."
        return Decision(  # in field order, not by keyword (eight keywords cost a third)
            final,  # decision
            reason,
            tuple(dict.fromkeys([m.rule for m in deciding])) if deciding else (),  # rules
            action.fingerprint,
            ruleset.policy_hash,
            tuple(matches),
            suggest,
            Described(lambda: describe([t.command for t in targets if t.command],  # analysis
                                       matches)) if analysis else (),
        )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_engine(paths: Paths | None = None, files: list[Path] | None = None,
                include_user: bool = True, home: str | None = None,
                compile_later: bool = False) -> PolicyEngine:
    """The effective policy: built-in + starter + the user's directory, or exactly `files`.
    `compile_later`: see PolicyEngine (for a process that decides once)."""
    paths = paths or get_paths()
    cache = bundles_cache(paths.state_dir)
    bundles: list[RawBundle] = []
    if files:
        bundles = [load_bundle(pathtext.normalized(os.fspath(f)), cache) for f in files]
        return PolicyEngine(paths, bundles, include_project=False, home=home)
    bundles += [load_bundle(p, cache) for p in _starter_files(starter_dir_text())]
    if include_user and pathtext.is_dir(paths.policies_dir):
        bundles += [load_bundle(p, cache) for p in _user_files(paths.policies_dir)]
    managed, managed_hash = None, None
    if paths.managed_policies is not None:  # a Path: pathlib, only with a managed layer
        managed, managed_hash = layers.load_managed(paths.managed_policies, managed_pin(paths),
                                                    cache)
    return PolicyEngine(paths, bundles, include_project=include_user, home=home,
                        managed=managed, managed_hash=managed_hash, compile_later=compile_later)


def _starter_files(directory: str) -> list[str]:
    """`sorted(Path(directory).glob("*.yaml"))`, as text."""
    if pathtext.WINDOWS:  # where glob's matching and the order ignore case
        from pathlib import Path

        return [str(p) for p in sorted(Path(directory).glob("*.yaml"))]
    if not pathtext.is_dir(directory):
        return []
    try:
        names = os.listdir(directory)
    except PermissionError:
        return []
    return sorted(pathtext.child(directory, name) for name in names if name.endswith(".yaml"))


def _user_files(directory: str) -> list[str]:
    """The `.yaml` and `.yml` files in the user's policy directory, in name order."""
    if pathtext.WINDOWS:  # where the order ignores case
        from pathlib import Path

        return [str(p) for p in sorted(p for p in Path(directory).iterdir()
                                       if p.suffix in (".yaml", ".yml") and p.is_file())]
    found = [pathtext.child(directory, name) for name in os.listdir(directory)
             if pathtext.suffix(name) in (".yaml", ".yml")]
    return sorted(path for path in found if pathtext.is_file(path))


def managed_pin(paths: Paths) -> str:
    """The pinned hash of the managed layer (APPROVALD_MANAGED_POLICIES_SHA256, else config.toml's
    `managed_policies_sha256`; "" when not pinned)."""
    from approvald.settings import safe_load_settings

    return safe_load_settings(paths.config_file).managed_pin
