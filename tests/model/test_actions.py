"""The action model: paths and URLs normalized, approvald's own action JSON, canonical JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from approvald.model.actions import (
    Action,
    ActionError,
    action_from_json,
    canonical_json,
    fingerprint,
    normalize_path,
    normalize_url,
    one_shot_encoder,
)


@pytest.mark.parametrize(
    ("path", "cwd", "expected"),
    [
        ("src/../.env", "/home/dev/app", "/home/dev/app/.env"),
        ("./a/./b", "/x", "/x/a/b"),
        ("~/.ssh/id_rsa", "/x", "/home/dev/.ssh/id_rsa"),
        ("$HOME/.aws/credentials", "/x", "/home/dev/.aws/credentials"),
        ("${HOME}", "/x", "/home/dev"),
        ("/A/B/../C", "/x", "/A/C"),
        ("//etc//passwd", "/", "/etc/passwd"),
        ("C:\\Users\\Dev\\..\\x.env", "", "C:\\Users\\x.env"),
        ("sub\\f.txt", "C:\\proj", "C:\\proj\\sub\\f.txt"),
        # absolute POSIX paths: returned as they are when nothing needs collapsing
        ("/etc/passwd", "/x", "/etc/passwd"),
        ("/", "/x", "/"),
        ("/a/b/", "/x", "/a/b"),
        ("/a/.hidden", "/x", "/a/.hidden"),
        ("/a/./b/../c", "", "/a/c"),
        ("/a/b", "C:\\proj", "\\a\\b"),  # under a Windows cwd, a Windows path
        # under a POSIX cwd a drive-like word is a relative path (a directory named `c:`)
        ("c:/../.ssh/id_rsa", "/home/dev", "/home/dev/.ssh/id_rsa"),
        ("C:/Users/x", "/w", "/w/C:/Users/x"), ("C:foo", "/w", "/w/C:foo"),
        ("c:\\..\\x", "/w", "/w/c:\\..\\x"),
        # under a Windows cwd, or with none, it is a drive path
        ("c:/../x", "C:\\proj", "c:\\x"), ("C:/a/../b", "", "C:\\b"),
    ],
)
def test_normalize_path(path: str, cwd: str, expected: str) -> None:
    assert normalize_path(path, cwd, home="/home/dev") == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM:443/a?b=1", "https://example.com/a?b=1"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("example.com/docs", "https://example.com/docs"),
        ("https://User:pw@Host.io/", "https://User:pw@host.io/"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_action_json_is_strict_and_round_trips() -> None:
    action = action_from_json({"kind": "process.exec", "tool": "Bash", "cwd": "/a/b/..",
                               "input": {"command": "ls"}})
    assert action.cwd == "/a" and action.command == "ls"
    assert action_from_json(action.to_json()).fingerprint == action.fingerprint
    with pytest.raises(ActionError, match="unknown field"):
        action_from_json({"kind": "process.exec", "input": {"command": "ls"}, "colour": 1})
    with pytest.raises(ActionError, match="kind"):
        action_from_json({"kind": "exec", "input": {}})


def test_canonical_json_is_compact_sorted_utf8() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()



_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)


@pytest.mark.parametrize("options", [
    {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False, "allow_nan": False},
    {"ensure_ascii": False},
    {"ensure_ascii": True, "separators": (",", ":")},
    {"ensure_ascii": False, "check_circular": False},  # one encoder serves every call
])
@given(value=_JSON_VALUES)
def test_one_shot_encoder_says_what_the_encoder_says(options: dict, value: object) -> None:
    """Same text, or the same error, as `JSONEncoder.encode` with those options."""
    reference = json.JSONEncoder(**options)
    fast = one_shot_encoder(reference)
    try:
        expected: object = reference.encode(value)
    except ValueError as exc:
        expected = (ValueError, str(exc))
    try:
        found: object = fast(value)
    except ValueError as exc:
        found = (ValueError, str(exc))
    assert found == expected


def test_one_shot_encoder_refuses_what_the_encoder_refuses() -> None:
    loop: dict[str, object] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="Circular"):
        canonical_json(loop)
    with pytest.raises(TypeError):
        canonical_json({"x": object()})


class _Text(str):
    """Text of a str subclass (the encoder writes it as text)."""


@given(fields=st.tuples(*[st.text(max_size=8) | st.text(max_size=3).map(_Text) | st.none()
                          | st.integers() for _ in range(5)]),
       tool_input=st.dictionaries(st.text(max_size=5), _JSON_VALUES, max_size=4)
       # text to text (written out), with str subclasses; keys that are not text, or mixed
       | st.dictionaries(st.text(max_size=5) | st.text(max_size=3).map(_Text),
                         st.text(max_size=8) | st.text(max_size=3).map(_Text), max_size=4)
       | st.dictionaries(st.text(max_size=2) | st.integers() | st.none() | st.booleans(),
                         st.text(max_size=3), max_size=3))
def test_an_actions_fingerprint_is_that_of_its_fields(
        fields: tuple[str | None, ...], tool_input: dict[str, object]) -> None:
    """Written out for the usual action (text fields), the fingerprint is still the digest of
    the canonical JSON of `fingerprint_fields()`, or the same error."""
    agent, cwd, kind, session_id, tool = fields
    action = Action(kind=kind, tool=tool, input=tool_input, agent=agent,  # type: ignore[arg-type]
                    session_id=session_id, cwd=cwd)  # type: ignore[arg-type]
    try:
        expected: object = fingerprint(action.fingerprint_fields())
    except (ValueError, TypeError) as exc:
        expected = type(exc)
    try:
        found: object = action.fingerprint
    except (ValueError, TypeError) as exc:
        found = type(exc)
    assert found == expected
