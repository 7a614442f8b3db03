"""Strict policy validation: every error names file, line and field."""

from __future__ import annotations

import pytest

from approvald.policy import PolicyError
from approvald.policy.engine import starter_dir
from approvald.policy.loader import parse_bundle

GOOD = """\
version: 1
default: ALLOW
rules:
  - id: block-push
    decision: DENY
    reason: No pushing here.
    match: {program: git, args: [push]}
"""


def test_good_bundle_parses() -> None:
    bundle = parse_bundle(GOOD, "p.yaml")
    assert [r.id for r in bundle.rules] == ["block-push"]
    assert bundle.rules[0].line == 4
    assert bundle.default == "ALLOW"


def test_suggest_is_kept_as_one_line() -> None:
    text = GOOD.replace("    match:",
                        "    suggest: Open a pull request\n      instead.\n    match:")
    [rule] = parse_bundle(text, "p.yaml").rules
    assert rule.suggest == "Open a pull request instead."
    assert parse_bundle(GOOD, "p.yaml").rules[0].suggest == ""


def test_starter_policy_is_valid() -> None:
    files = sorted(starter_dir().glob("starter*.yaml"))
    bundles = [parse_bundle(f.read_text(), f.name) for f in files]
    assert sum(len(b.rules) for b in bundles) >= 15
    assert [b.default for b in bundles if b.default is not None] == ["ALLOW"]
    ids = [r.id for b in bundles for r in b.rules]
    assert len(ids) == len(set(ids))
    # The rules an agent meets most often say what to do instead.
    suggested = {r.id: r.suggest for b in bundles for r in b.rules if r.suggest}
    assert {"git-push", "terraform-mutate", "kubectl-mutate", "secrets-read-tool",
            "package-publish", "git-discard-work"} <= set(suggested)
    assert "terraform plan" in suggested["terraform-mutate"]


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (GOOD.replace("reason:", "reasons:"), 6, "rules[0].reasons", "unknown key"),
        (GOOD.replace("program: git", "programme: git"), 7, "block-push.match.programme",
         "unknown match key"),
        (GOOD.replace("decision: DENY", "decision: MAYBE"), 5, "block-push.decision",
         "must be one of"),
        (GOOD + "  - id: block-push\n    decision: DENY\n    reason: again\n"
         "    match: {program: git}\n", 8, "id", "duplicate rule id"),
        (GOOD.replace("default: ALLOW", "default: allow"), 2, "default", "must be one of"),
        (GOOD.replace("version: 1", "version: 1\nextra: true"), 2, "extra", "unknown key"),
        (GOOD.replace("args: [push]", "args: []"), 7, "block-push.match.args", "args must"),
        (GOOD.replace("id: block-push", "id: Block Push"), 4, "rules[0].id", "rule id"),
        ("rules: [\n", 2, "", "not valid YAML"),
        (GOOD.replace("default: ALLOW", "default: ALLOW\ndefault: DENY"), 3, "default",
         "duplicate key"),
        (GOOD.replace("    match:", "    suggest: [open a PR]\n    match:"), 7,
         "block-push.suggest", "suggest must be a sentence"),
        (GOOD.replace("    match:", "    suggest: ''\n    match:"), 7, "block-push.suggest",
         "suggest must be a sentence"),
    ],
)
def test_errors_name_file_line_and_field(text: str, line: int, field: str, words: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_bundle(text, "my.yaml")
    err = info.value
    assert err.file == "my.yaml"
    assert err.line == line, str(err)
    assert err.field == field
    assert words in str(err)
    assert str(err).startswith(f"my.yaml:{line}")


def test_bad_glob_is_an_error(tmp_path) -> None:
    from approvald.policy import load_engine

    policy = tmp_path / "p.yaml"
    policy.write_text(GOOD.replace("args: [push]", "args: ['[push']"))
    with pytest.raises(PolicyError) as info:
        load_engine(files=[policy])
    assert "unclosed '['" in str(info.value)
    assert info.value.field == "block-push.match.args"


def test_anchors_in_x_keys_are_allowed_and_not_hashed() -> None:
    text = "x-progs: &p [git]\nrules:\n  - id: r\n    decision: DENY\n    reason: r.\n" \
           "    match: {program: *p}\n"
    bundle = parse_bundle(text, "a.yaml")
    assert bundle.rules[0].match["program"] == ["git"]
    assert "x-progs" not in bundle.data
