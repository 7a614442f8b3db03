"""Keys of JSON-like data are redacted like any text, and kept distinct, in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approvald.redaction import (
    distinct_keys,
    forget_secrets,
    redact_obj,
    redact_output_obj,
    redact_text,
    remember_secret,
)
from approvald.redaction.output import tool_output_answer

GH = "ghp_" + "A1b2C3d4" * 4 + "Zz9Y"
GH2 = "ghp_" + "Q7w8E9r0" * 4 + "AbCd"
OPENAI = "sk-proj-" + "Xy12" * 12
LEASED = "s3cr3t-value-1234"

WALKERS: list[Callable[..., Any]] = [redact_obj, redact_output_obj]


@pytest.mark.parametrize("walk", WALKERS)
def test_a_secret_used_as_a_key_is_redacted(walk: Callable[..., Any]) -> None:
    out = walk({GH: 1, "env": {OPENAI: "x", f"Bearer {GH2}": [1]}, LEASED: True},
               [("LEASED", LEASED)])
    assert out == {"[REDACTED:github_token]": 1,
                   "env": {"[REDACTED:openai_key]": "x", "Bearer [REDACTED:github_token]": [1]},
                   "[REDACTED:LEASED]": True}


def test_a_remembered_value_used_as_a_key_is_redacted() -> None:
    remember_secret("DEPLOY", LEASED)
    try:
        assert redact_obj({"in": {LEASED: 1}}) == {"in": {"[REDACTED:DEPLOY]": 1}}
    finally:
        forget_secrets()


@pytest.mark.parametrize("walk", WALKERS)
def test_keys_that_redact_alike_stay_distinct_in_order(walk: Callable[..., Any]) -> None:
    record = {GH: 1, "[REDACTED:github_token]": 2, GH2: 3, "[REDACTED:github_token] #2": 4,
              f"x {GH}": 5}
    out = walk(record)
    assert list(out.items()) == [
        ("[REDACTED:github_token] #3", 1),  # written ones keep their names: they come first
        ("[REDACTED:github_token]", 2),
        ("[REDACTED:github_token] #4", 3),
        ("[REDACTED:github_token] #2", 4),
        ("x [REDACTED:github_token]", 5)]
    assert walk(record) == out  # the same every time
    assert walk(out) == out  # and once redacted, nothing is left to change


def test_distinct_keys_leaves_unchanged_keys_alone() -> None:
    assert distinct_keys(["a", "b", 3], ["a", "b", 3]) == ["a", "b", 3]
    assert distinct_keys(["x", "y", "m"], ["m", "m", "m"]) == ["m #2", "m #3", "m"]


@pytest.mark.parametrize("key", ["max_tokens", "token_count", "api_key", "Authorization",
                                 "café", "Σίσυφος", "k\u212a", "a b", "", "password=",
                                 "[REDACTED:github_token]", "sk-short"])
@pytest.mark.parametrize("walk", WALKERS)
def test_keys_without_a_secret_are_kept_byte_for_byte(walk: Callable[..., Any],
                                                      key: str) -> None:
    out = walk({key: 1, "nested": [{key: None}]})
    assert list(out) == [key, "nested"] and list(out["nested"][0]) == [key]


def test_a_key_only_secret_in_tool_output_is_replaced_and_counted() -> None:
    answer, counts = tool_output_answer({"response": {"scopes": {GH: ["repo"]}}}, ())
    assert answer.output == {"scopes": {"[REDACTED:github_token]": ["repo"]}}
    assert counts == {"github_token": 1}


_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_SECRET_KEYS = st.one_of(
    st.text(_TOKEN_CHARS, min_size=36, max_size=40).map(lambda s: "ghp_" + s),
    st.text(_TOKEN_CHARS, min_size=40, max_size=60).map(lambda s: "sk-proj-" + s),
    st.sampled_from([LEASED, f"token={GH}", f"https://u:{LEASED}@h"]),
)
_KEYS = _SECRET_KEYS | st.sampled_from(
    ["a", "token", "[REDACTED:github_token]", "[REDACTED:github_token] #2",
     "[REDACTED:LEASED]", "[REDACTED:openai_key] #3", "token=[REDACTED:github_token]"])


@settings(max_examples=300, deadline=None)
@given(obj=st.dictionaries(_KEYS, st.integers() | st.dictionaries(_KEYS, st.none(),
                                                                  max_size=4), max_size=6))
def test_no_key_holds_a_secret_and_none_is_lost(obj: dict[str, Any]) -> None:
    out = redact_obj(obj, [("LEASED", LEASED)])
    assert len(out) == len(obj)
    assert [len(v) if isinstance(v, dict) else v for v in out.values()] == [
        len(v) if isinstance(v, dict) else v for v in obj.values()]
    text = repr(out)
    assert LEASED not in text and "ghp_" not in text and "sk-proj-" not in text
    for key, new in zip(obj, out, strict=True):
        if redact_text(key, [("LEASED", LEASED)]) == key:
            assert new == key
    assert redact_obj(out, [("LEASED", LEASED)]) == out
