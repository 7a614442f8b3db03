"""Parsed policy bundles kept as JSON: the same bundles (and policy hash) as a fresh parse,
nothing stale after an edit, a broken entry parsed again, and no YAML loaded once cached."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from approvald.policy import bundles
from approvald.policy.engine import load_engine
from approvald.policy.loader import load_bundle_file

POLICY = """version: 1
name: mine
default: ALLOW
rules:
  - id: no-push
    decision: DENY
    reason: Pushing is not allowed here.
    suggest: Leave the commits on a branch.
    match: {program: git, args: [push]}
  - id: apply-here
    decision: ALLOW
    reason: Applying is fine here.
    risk: high
    overrides: [no-push]
    match: {program: terraform, args: [apply]}
disable: [git-push]
"""


def _same(a: bundles.RawBundle, b: bundles.RawBundle) -> None:
    assert a == b  # every field of the bundle and of every rule (suggest, risk, overrides...)
    assert any(r.suggest for r in a.rules) and any(r.overrides for r in a.rules)
    assert any(r.risk != "normal" for r in a.rules) and a.disable_lines


def test_a_cached_bundle_is_the_parsed_one(tmp_path: Path) -> None:
    policy, cache = tmp_path / "mine.yaml", tmp_path / "cache"
    policy.write_text(POLICY)
    first = bundles.load_bundle(policy, cache)
    assert len(list(cache.glob("*.json"))) == 1
    again = bundles.load_bundle(policy, cache)
    _same(again, load_bundle_file(policy))
    _same(first, again)


def test_an_edit_is_never_served_from_the_cache(tmp_path: Path) -> None:
    policy, cache = tmp_path / "mine.yaml", tmp_path / "cache"
    policy.write_text(POLICY)
    bundles.load_bundle(policy, cache)
    policy.write_text(POLICY.replace("DENY", "REQUIRE_APPROVAL"))
    assert bundles.load_bundle(policy, cache).rules[0].decision == "REQUIRE_APPROVAL"
    moved = tmp_path / "moved.yaml"
    moved.write_text(POLICY)
    assert bundles.load_bundle(moved, cache).rules[0].file == str(moved)


def test_a_broken_entry_is_parsed_again(tmp_path: Path) -> None:
    policy, cache = tmp_path / "mine.yaml", tmp_path / "cache"
    policy.write_text(POLICY)
    bundles.load_bundle(policy, cache)
    [entry] = cache.glob("*.json")
    for broken in ("{not json", json.dumps({"name": 1}), json.dumps({"rules": [[1]]})):
        entry.write_text(broken)
        _same(bundles.load_bundle(policy, cache), load_bundle_file(policy))


def test_what_json_cannot_hold_is_parsed_each_time(tmp_path: Path) -> None:
    policy, cache = tmp_path / "mine.yaml", tmp_path / "cache"
    policy.write_text(POLICY + "description: 2024-01-01\n")  # a YAML date
    assert bundles.load_bundle(policy, cache).name == "mine"
    assert not list(cache.glob("*.json"))


def test_no_state_directory_no_cache(tmp_path: Path) -> None:
    assert bundles.cache_dir(tmp_path / "missing") is None
    assert bundles.cache_dir(tmp_path) == str(tmp_path / "policy-cache")


def test_the_cache_keeps_a_bounded_number_of_entries(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for i in range(bundles.KEEP + 5):
        policy = tmp_path / f"p{i}.yaml"
        policy.write_text(POLICY)
        bundles.load_bundle(policy, cache)
    assert len(list(cache.glob("*.json"))) == bundles.KEEP


def test_the_engine_loads_the_same_policy_without_yaml_once_cached(approvald_home: Path) -> None:
    (approvald_home / "state").mkdir()
    (approvald_home / "policies").mkdir()
    (approvald_home / "policies" / "mine.yaml").write_text(POLICY)
    cold = load_engine()
    assert list((approvald_home / "state" / "policy-cache").glob("*.json"))
    probe = ("import sys; from approvald.policy.engine import load_engine; "
             "print(load_engine().policy_hash, 'yaml' in sys.modules)")
    warm = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True).stdout.split()
    assert warm == [cold.policy_hash, "False"]


def test_the_cache_keeps_every_field_of_rules_and_bundles() -> None:
    assert set(bundles._RULE_FIELDS) == set(bundles.RawRule.FIELDS) - {"file"}
    assert set(bundles._BUNDLE_FIELDS) == set(bundles.RawBundle.FIELDS) - {"file", "rules"}
