"""`approvald policy check`: every problem of the policies in effect, in one run.

Loading a policy stops at its first error (a broken file must not half-load); checking goes on
and reports them all, each naming its file, line and field: YAML keys and values, bad globs,
duplicate ids within and across files, ids under `disable:` and `overrides:` that name no rule
(a typo there silently changes nothing), the project's `.approvald/policy.yaml` (found from
the project directory up to its repository root), the managed layer and its pin, and
config.toml's unknown keys and bad values.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from approvald.paths import Paths
from approvald.policy import builtin, layers
from approvald.policy.engine import PROJECT_POLICY, PolicyEngine, load_engine, starter_dir
from approvald.policy.errors import PolicyError
from approvald.policy.index import COMMAND, target_classes
from approvald.policy.loader import RawBundle, line_of, load_bundle_file
from approvald.policy.overrides import Overrides
from approvald.policy.ruleset import compile_rules
from approvald.projects import repository_dirs


@dataclass
class CheckResult:
    problems: list[PolicyError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[tuple[str, Path]] = field(default_factory=list)  # (layer, file)
    engine: PolicyEngine | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def project_policy(directory: Path) -> Path | None:
    """The `.approvald/policy.yaml` that governs `directory` (up to its repository root)."""
    for candidate in repository_dirs(directory):
        if candidate.joinpath(*PROJECT_POLICY).is_file():
            return candidate.joinpath(*PROJECT_POLICY)
    return None


_CONFIG_KEY = re.compile(r"^(?:unknown key\(s\) |\[?)([A-Za-z0-9_.-]+)")


def _config_problem(config: Path, problem: str) -> PolicyError:
    """A config.toml problem, with the line of the key it names when that can be found."""
    found = _CONFIG_KEY.match(problem)
    key = found.group(1).split(".")[-1] if found else ""
    line = None
    if key:
        try:
            text = config.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            text = []
        pattern = re.compile(rf"^\s*(?:\[\s*)?(?:[\w.-]+\.)?{re.escape(key)}\s*[=\]]")
        line = next((n for n, content in enumerate(text, start=1) if pattern.match(content)),
                    None)
    return PolicyError(problem, file=str(config), line=line, field=key)


def _policy_files(paths: Paths, result: CheckResult) -> list[tuple[str, Path]]:
    found = [(layers.STARTER, p) for p in sorted(starter_dir().glob("*.yaml"))]
    if paths.policies.is_dir():
        found += [(layers.USER, p) for p in sorted(paths.policies.iterdir())
                  if p.suffix in layers.SUFFIXES and p.is_file()]
    if paths.managed_policies is not None:
        try:
            found += [(layers.MANAGED, p) for p in layers.managed_files(paths.managed_policies)]
        except PolicyError as exc:
            result.problems.append(exc)
    return found


def check(paths: Paths, files: list[Path] | None = None, project: Path | None = None,
          config_problems: tuple[str, ...] = (), home: str | None = None) -> CheckResult:
    """Check `files` (exactly those), or every layer in effect for `project`."""
    result = CheckResult()
    home = home or os.path.expanduser("~")
    result.problems += [_config_problem(paths.config, p) for p in config_problems]
    listed = [(layers.GIVEN, Path(f)) for f in files] if files else _policy_files(paths, result)
    project_file = project_policy(project) if project is not None and not files else None
    if project_file is not None:
        listed.append((layers.PROJECT, project_file))
    result.files = listed
    bundles: list[tuple[str, RawBundle]] = []
    for layer, path in listed:
        found: list[PolicyError] = []
        try:
            bundles.append((layer, load_bundle_file(path, found)))
        except PolicyError as exc:
            found.append(exc)
        result.problems += found
    _check_rules(bundles, builtin.self_protection_rules(paths, home), home, result)
    if result.ok and not files:
        try:
            result.engine = load_engine(paths, home=home)
        except PolicyError as exc:  # the managed pin, and whatever only loading finds
            result.problems.append(exc)
    elif result.ok:
        result.engine = load_engine(paths, files=files, home=home)
    if result.engine is not None:
        result.notes += result.engine.warnings
        if project_file is not None:
            result.notes += _project_notes(bundles)
    return result


def _check_rules(bundles: list[tuple[str, RawBundle]], protection: list[dict[str, Any]],
                 home: str, result: CheckResult) -> None:
    builtin_ids = {r["id"] for r in protection}
    seen: dict[str, str] = dict.fromkeys(builtin_ids, "<built-in>")
    known = set(builtin_ids) | {rule.id for _, bundle in bundles for rule in bundle.rules}
    # The engine's own judgement of each override, so check and engine never disagree.
    layer_of = {bundle.file: layer for layer, bundle in bundles}
    overrides = Overrides([bundle for _, bundle in bundles], layer_of.__getitem__, [])
    for layer, bundle in bundles:
        for name, at, match in bundle.unsound:  # (their other problems are reported)
            result.problems += _compile_problems(name, match, bundle.file, at, home,
                                                 keys_only=True)
        for rule in bundle.rules:
            result.problems += _compile_problems(rule.id, rule.match, bundle.file, rule.line,
                                                 home)
            if rule.id in seen and layer != layers.PROJECT:
                result.problems.append(PolicyError(
                    f"duplicate rule id {rule.id!r} (also in {seen[rule.id]})",
                    file=bundle.file, line=rule.line, field="id"))
            elif rule.id in seen:
                result.problems.append(PolicyError(
                    f"rule id {rule.id!r} already exists in the base policy ({seen[rule.id]})",
                    file=bundle.file, line=rule.line, field="id"))
            seen.setdefault(rule.id, rule.source)
            on_commands = COMMAND in target_classes(rule.match)
            for target in rule.overrides:
                why = overrides.refusal(target, layer, on_commands)
                if why is not None:
                    result.problems.append(PolicyError(
                        f"cannot override {target!r}: {why}", file=bundle.file,
                        line=rule.line, field=f"{rule.id}.overrides"))
        for rule_id in bundle.disable:
            line = bundle.disable_lines.get(rule_id)
            if rule_id.startswith(builtin.SELF_PREFIX):
                result.problems.append(PolicyError(
                    f"self-protection rule {rule_id!r} cannot be disabled", file=bundle.file,
                    line=line, field="disable"))
            elif rule_id not in known:
                result.problems.append(PolicyError(
                    f"no rule {rule_id!r} to disable (a typo disables nothing; `approvald "
                    "policy explain` names the rules that decide)", file=bundle.file,
                    line=line, field="disable"))


def _compile_problems(rule_id: str, match: dict[str, Any], file: str, line: int,
                      home: str, keys_only: bool = False) -> list[PolicyError]:
    """Every problem compiling `match` finds, each on its key's line: compiling the whole match
    stops at the first, so a match that fails is compiled again key by key. `keys_only`: only
    the problems of single keys (the sound part of a rule dropped for other problems)."""
    def problem(exc: PolicyError, at: int | None) -> PolicyError:
        return PolicyError(str(exc).split(": ", 1)[-1], file=file, line=at, field=exc.field)

    def compiled(part: dict[str, Any]) -> PolicyError | None:
        try:
            compile_rules([(rule_id, "DENY", "-", f"{file}:{line}", part, file)], home)
        except PolicyError as exc:
            return exc
        return None

    whole = compiled(match)
    if whole is None or whole.field is None or not whole.field.startswith(
            f"{rule_id}.match."):
        return [] if whole is None or keys_only else [problem(whole, line)]  # the whole match
    found = []
    for key, value in match.items():
        at = line_of(match, key) or line
        if key == "any_of":
            for branch in value:
                found += _compile_problems(rule_id, branch, file, at, home, keys_only)
            continue
        alone = compiled({key: value})
        if alone is not None and alone.field == f"{rule_id}.match.{key}":
            found.append(problem(alone, at))
    return found or ([] if keys_only else [problem(whole, line)])


def _project_notes(bundles: list[tuple[str, RawBundle]]) -> list[str]:
    notes = []
    for layer, bundle in bundles:
        if layer != layers.PROJECT:
            continue
        if bundle.disable:
            notes.append(f"{bundle.file}: 'disable' is ignored in a project policy")
        notes += [f"{rule.source}: ALLOW rule {rule.id!r} is ignored: a project policy may "
                  "only restrict" for rule in bundle.rules if rule.decision == "ALLOW"]
    return notes
