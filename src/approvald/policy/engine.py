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

import hashlib
import os
import re
import shlex
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approvald import shell
from approvald.model.actions import (
    FS_READ,
    FS_WRITE,
    PROCESS_EXEC,
    Action,
    canonical_json,
    url_host,
)
from approvald.paths import Paths, get_paths
from approvald.policy import builtin, layers
from approvald.policy.decision import ALLOW, REQUIRE_APPROVAL, Decision, Match, stronger
from approvald.policy.errors import PolicyError
from approvald.policy.expand import expand
from approvald.policy.loader import RawBundle, RawRule, load_bundle_file, validate_match
from approvald.policy.matchers import MatchCompiler, Predicate, Target, literal_programs
from approvald.projects import repository_dirs
from approvald.shell.model import ShellAnalysis, SimpleCommand

PROJECT_POLICY = Path(".approvald") / "policy.yaml"
_PROJECT_CACHE_SECONDS = 2.0
DOWNLOADERS = frozenset({"curl", "wget", "fetch", "http", "https", "xh", "aria2c", "iwr"})
STDIN_INTERPRETERS = re.compile(
    r"^(?:bash|sh|zsh|dash|ksh|mksh|fish|csh|tcsh|pwsh|powershell|python[0-9.]*|perl|ruby|node|"
    r"php|deno|bun|source|\.)$")
# The lookbehind makes a name start only at a word boundary, keeping the scan linear.
_FORK_BOMB = re.compile(r"(?<![\w:.-])([\w:.-]+)\s*\(\)\s*\{[^}]*?\1\s*\|\s*&?\s*\1\s*&")


def starter_dir() -> Path:
    """The starter policies: `policies/` in a source checkout, else the installed package data."""
    here = Path(__file__).resolve()
    checkout = here.parents[3] / "policies"
    if (here.parents[3] / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return here.parents[1] / "policies"


@dataclass(frozen=True)
class CompiledRule:
    id: str
    decision: str
    reason: str
    source: str
    predicate: Predicate


class RuleSet:
    """Compiled rules with a by-program index, a default and a hash."""

    def __init__(self, rules: list[CompiledRule], programs: list[frozenset[str] | None],
                 default: str, policy_hash: str) -> None:
        self.rules = rules
        self.default = default
        self.policy_hash = policy_hash
        self._anywhere: list[CompiledRule] = []
        self._by_program: dict[str, list[CompiledRule]] = {}
        for rule, names in zip(rules, programs, strict=True):
            if names is None:
                self._anywhere.append(rule)
            else:
                for name in names:
                    self._by_program.setdefault(name, []).append(rule)

    def candidates(self, target: Target) -> list[CompiledRule]:
        if target.command is None:
            return self._anywhere
        named = self._by_program.get(target.command.program)
        return self._anywhere + named if named else self._anywhere


def _hash(parts: list[Any]) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(parts)).hexdigest()


def _compile(raw: list[tuple[str, str, str, str, dict[str, Any], str]], home: str
             ) -> tuple[list[CompiledRule], list[frozenset[str] | None]]:
    rules, programs = [], []
    for rule_id, decision, reason, source, match, file in raw:
        pred = MatchCompiler(home, file, rule_id).compile(match)
        rules.append(CompiledRule(rule_id, decision, reason, source, pred))
        programs.append(literal_programs(match))
    return rules, programs


def _raw(rule: RawRule) -> tuple[str, str, str, str, dict[str, Any], str]:
    return (rule.id, rule.decision, rule.reason, rule.source, rule.match, rule.file)


class PolicyEngine:
    def __init__(self, paths: Paths, bundles: list[RawBundle], *, include_project: bool,
                 home: str | None = None, managed: list[RawBundle] | None = None,
                 managed_hash: str | None = None) -> None:
        self.paths = paths
        self.home = home or os.path.expanduser("~")
        self.bundles = bundles + (managed or [])
        self.managed_hash = managed_hash  # the managed layer's bundle hash (None: no layer)
        self.include_project = include_project
        self.warnings: list[str] = []
        protection = builtin.self_protection_rules(paths)
        for spec in protection:
            validate_match(spec["match"], "<built-in>", spec["id"])
        raw = [(r["id"], r["decision"], r["reason"], "<built-in>", r["match"], "<built-in>")
               for r in protection]
        seen: dict[str, str] = {r["id"]: "<built-in>" for r in protection}
        disabled, default = layers.merge(
            bundles, managed or [], seen, lambda rule: raw.append(_raw(rule)), self.warnings,
            is_user=lambda b: self.layer_of(b.file) == layers.USER)
        raw = [r for r in raw if r[0] not in disabled]
        rules, programs = _compile(raw, self.home)
        policy_hash = _hash([protection, [b.data for b in self.bundles], sorted(disabled)])
        self.base = RuleSet(rules, programs, default, policy_hash)
        self._base_raw = raw
        self._base_programs = programs
        self._project_lookup: dict[str, tuple[float, Path | None]] = {}
        self._project_sets: dict[tuple[str, int], RuleSet | PolicyError] = {}

    @property
    def policy_hash(self) -> str:
        return self.base.policy_hash

    def source_files(self) -> list[Path]:
        return [Path(b.file) for b in self.bundles]

    def layer_of(self, source: str) -> str:
        """`built-in`, `starter`, `user`, `managed`, `project` or `given`, for a rule's source
        (`file:line`) or a bundle's file."""
        return layers.layer_of(source, starter=starter_dir(), user=self.paths.policies,
                               managed=self.paths.managed_policies)

    # -- project layer -------------------------------------------------------------------
    def _find_project_policy(self, cwd: str) -> Path | None:
        now = time.monotonic()
        cached = self._project_lookup.get(cwd)
        if cached and cached[0] > now:
            return cached[1]
        found: Path | None = None
        for directory in repository_dirs(cwd):
            candidate = directory / PROJECT_POLICY
            if candidate.is_file():
                found = candidate
                break
        if len(self._project_lookup) > 4096:
            self._project_lookup.clear()
        self._project_lookup[cwd] = (now + _PROJECT_CACHE_SECONDS, found)
        return found

    def _project_ruleset(self, path: Path) -> RuleSet | PolicyError:
        try:
            key = (str(path), path.stat().st_mtime_ns)
        except OSError as exc:
            return PolicyError(f"cannot read: {exc.strerror}", file=str(path))
        if key not in self._project_sets:
            self._project_sets[key] = self._build_project(path)
        return self._project_sets[key]

    def _build_project(self, path: Path) -> RuleSet | PolicyError:
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
            default = self.base.default
            if bundle.default is not None:
                if stronger(bundle.default, default) == bundle.default:
                    default = bundle.default
                else:
                    notes.append(f"{path}: default {bundle.default} is weaker than "
                                 f"{default}; ignored")
            rules, programs = _compile(kept, self.home)
            self.warnings.extend(n for n in notes if n not in self.warnings)
            base_rules, base_programs = self.base.rules, self._base_programs
            return RuleSet(base_rules + rules, base_programs + programs, default,
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
        targets, analysis = self._targets(action)
        matches: list[Match] = []
        seen: set[tuple[str, str]] = set()
        unmatched: list[str] = []
        for target in targets:
            hit = False
            for rule in ruleset.candidates(target):
                if rule.predicate(target):
                    hit = True
                    key = (rule.id, target.text)
                    if key not in seen:
                        seen.add(key)
                        matches.append(Match(rule.id, rule.decision, rule.reason, target.text,
                                             rule.source))
            if not hit and not target.line_level:
                unmatched.append(target.text)
        if project_error is not None:
            matches.append(Match("project-policy-error", REQUIRE_APPROVAL,
                                 f"The project policy is broken, so a person decides: "
                                 f"{project_error}", action.summary, project_error.file))
        votes = [m.decision for m in matches]
        if unmatched or not any(not t.line_level for t in targets):
            votes.append(ruleset.default)
        final = ALLOW
        for vote in votes:
            final = stronger(final, vote)
        deciding = [m for m in matches if m.decision == final]
        if deciding:
            reason = deciding[0].reason
        else:
            what = unmatched[0] if unmatched else action.summary
            reason = f"No rule matched {_short(what)!r}; the policy's default is {final}."
        return Decision(
            decision=final,
            reason=reason,
            rules=tuple(dict.fromkeys(m.rule for m in deciding)),
            fingerprint=action.fingerprint,
            policy_hash=ruleset.policy_hash,
            matches=tuple(matches),
            analysis=tuple(_describe([t.command for t in targets if t.command], matches))
            if analysis else (),
        )

    def _targets(self, action: Action) -> tuple[list[Target], ShellAnalysis | None]:
        home = self.home
        if action.kind == PROCESS_EXEC and action.command is not None:
            analysis = shell.analyze(action.command, action.cwd or home, home)
            commands = list(analysis.commands)
            commands += expand(commands, home)
            targets = [
                Target(kind=PROCESS_EXEC, tool=action.tool, home=home, command=cmd,
                       text=cmd.text or shlex.join(cmd.argv),
                       reads=tuple(r.path for r in cmd.redirects if r.mode == "read"),
                       writes=tuple(r.path for r in cmd.redirects if r.mode == "write"))
                for cmd in commands
            ]
            targets.append(Target(
                kind=PROCESS_EXEC, tool=action.tool, home=home, text=action.command,
                reads=analysis.reads, writes=analysis.writes, line_level=True,
                pipe_to_shell=_pipes_download_to_shell(commands),
                fork_bomb=_is_fork_bomb(action.command, commands),
                syntax_error=analysis.syntax_error,
            ))
            return targets, analysis
        return [Target(
            kind=action.kind, tool=action.tool, home=home, text=action.summary,
            paths=action.paths,
            reads=action.paths if action.kind == FS_READ else (),
            writes=action.paths if action.kind == FS_WRITE else (),
            url_host=url_host(action.url) if action.url else None,
            mcp_server=action.mcp_server, mcp_tool=action.mcp_tool,
        )], None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_fork_bomb(line: str, commands: list[SimpleCommand]) -> bool:
    """`f(){ f|f& };f`: a function piping itself into itself, and actually called.

    The text pattern alone would also fire on `printf ':(){ :|:& };:'`; requiring a command
    of that name keeps quoted text from counting.
    """
    if "()" not in line:
        return False
    programs = {c.program for c in commands}
    return any(m.group(1) in programs for m in _FORK_BOMB.finditer(line[:100_000]))


def _pipes_download_to_shell(commands: list[SimpleCommand]) -> bool:
    if not any(c.program in DOWNLOADERS for c in commands):
        return False
    for cmd in commands:
        if not STDIN_INTERPRETERS.match(cmd.program):
            continue
        operands = [i for i, a in enumerate(cmd.args) if not a.startswith("-") or a == "-"]
        if "-c" in cmd.args and not cmd.dynamic_args:
            continue  # runs its -c text, which the analysis already looked into
        if not operands or cmd.args[operands[0]] == "-" or cmd.dynamic_args:
            return True
    return False


def _describe(commands: list[SimpleCommand], matches: list[Match]) -> list[dict[str, Any]]:
    """Every command found (expanded ones too: `npm run x`'s script), for `policy explain`."""
    described = []
    for cmd in commands:
        text = cmd.text or shlex.join(cmd.argv)
        described.append({
            "argv": list(cmd.argv),
            "program": cmd.program,
            "args": list(cmd.args),
            "cwd": cmd.cwd,
            "wrappers": list(cmd.wrappers),
            "via": cmd.via,
            "dynamic": cmd.dynamic,
            "redirects": [{"path": r.path, "mode": r.mode} for r in cmd.redirects],
            "matched": [m.rule for m in matches if m.target == text],
        })
    return described


def load_engine(paths: Paths | None = None, files: list[Path] | None = None,
                include_user: bool = True, home: str | None = None) -> PolicyEngine:
    """The effective policy: built-in + starter + the user's directory, or exactly `files`."""
    paths = paths or get_paths()
    bundles: list[RawBundle] = []
    if files:
        bundles = [load_bundle_file(Path(f)) for f in files]
        return PolicyEngine(paths, bundles, include_project=False, home=home)
    bundles += [load_bundle_file(p) for p in sorted(starter_dir().glob("*.yaml"))]
    if include_user and paths.policies.is_dir():
        user_files = sorted(p for p in paths.policies.iterdir()
                            if p.suffix in (".yaml", ".yml") and p.is_file())
        bundles += [load_bundle_file(p) for p in user_files]
    managed, managed_hash = None, None
    if paths.managed_policies is not None:
        managed, managed_hash = layers.load_managed(paths.managed_policies, managed_pin(paths))
    return PolicyEngine(paths, bundles, include_project=include_user, home=home,
                        managed=managed, managed_hash=managed_hash)


def managed_pin(paths: Paths) -> str:
    """The pinned hash of the managed layer (APPROVALD_MANAGED_POLICIES_SHA256, else config.toml's
    `managed_policies_sha256`; "" when not pinned)."""
    from approvald.settings import safe_load_settings

    return safe_load_settings(paths.config).managed_pin
