from __future__ import annotations

from approvald.policy.matchers import literal_programs


def test_rules_are_indexed_by_the_programs_they_can_hold_for() -> None:
    assert literal_programs({"program": ["git"], "args": ["push"]}) == {"git"}
    assert literal_programs({"program": "python*"}) is None
    assert literal_programs({"any_of": [{"program": "npm"}, {"program": ["gem", "twine"]}]}) \
        == {"npm", "gem", "twine"}
    # One branch that holds for any program makes the whole rule unindexable.
    assert literal_programs({"any_of": [{"program": "npm"}, {"path_arg": "/x"}]}) is None
    assert literal_programs({"program": ["a", "b"], "any_of": [{"program": "b"}]}) == {"b"}
    assert literal_programs({"kind": "fs.read", "path": ".env"}) is None
