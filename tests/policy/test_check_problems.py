"""`policy check` finds every problem of a rule, those hidden behind another included."""

from __future__ import annotations

from pathlib import Path

from approvald.paths import get_paths
from approvald.policy.check import check


def test_an_empty_sibling_branch_does_not_hide_a_bad_glob(approvald_home: Path,
                                                          tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("rules:\n  - id: two\n    decision: DENY\n    reason: r\n    match:\n"
                      "      any_of:\n        - bogus: 1\n        - program: \"[z-a]\"\n")
    problems = check(get_paths(), files=[policy]).problems
    assert sorted((p.line, p.field) for p in problems) == [
        (7, "two.match.any_of[0].bogus"), (8, "two.match.program")]
