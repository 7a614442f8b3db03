"""A decision's JSON line (`Decision.json_line`, written out for `policy test --jsonl`) is the
encoder's text of `to_json()`, or the same error."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from approvald.policy.decision import Decision, Match


class _Text(str):
    """Text of a str subclass (the encoder writes it as text)."""


TEXT = st.text(max_size=12) | st.sampled_from(["", "é\u2028\"\\\n\x00", "\ud800"])
ODD = st.none() | st.integers() | st.lists(st.text(max_size=3), max_size=2) | \
    st.text(max_size=4).map(_Text)
FIELD = TEXT | ODD
MATCHES = st.lists(st.builds(Match, TEXT, TEXT, TEXT, TEXT | st.none(), TEXT), max_size=3)


def _outcome(make: object) -> object:
    try:
        return make()  # type: ignore[operator]
    except (TypeError, ValueError) as exc:
        return type(exc)


@given(decision=FIELD, reason=FIELD, rules=st.tuples(FIELD, FIELD) | st.tuples() | FIELD,
       fingerprint=FIELD, policy_hash=FIELD, matches=MATCHES, suggest=FIELD)
def test_json_line_is_the_encoders_text(decision: object, reason: object, rules: object,
                                        fingerprint: object, policy_hash: object,
                                        matches: list[Match], suggest: object) -> None:
    found = Decision(decision, reason, rules, fingerprint, policy_hash,  # type: ignore[arg-type]
                     tuple(matches), suggest)  # type: ignore[arg-type]
    expected = _outcome(lambda: json.dumps(found.to_json(), ensure_ascii=False))
    assert _outcome(found.json_line) == expected
