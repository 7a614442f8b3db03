"""Strict JSON text (`approvald.wire.jsontext`): what every entry reads its JSON with."""

from __future__ import annotations

import pytest

from approvald.wire import jsontext
from approvald.wire.jsontext import JsonTextError
from tests.support.badtext import KINDS, NAMED, bad_json


def test_json_text_is_read_as_json_reads_it() -> None:
    assert jsontext.loads(b'{"a": ["\\u00e9", 1.5, null]}') == {"a": ["\u00e9", 1.5, None]}
    assert jsontext.loads('{"smile": "\\ud83d\\ude00"}') == {"smile": "\U0001f600"}  # a pair
    assert jsontext.loads(b"\xef\xbb\xbf{}") == {}  # a UTF-8 BOM, as json.loads takes it
    assert jsontext.loads('{"a": "\u00e9"}'.encode("utf-16-le")) == {"a": "\u00e9"}
    assert jsontext.loads_object(b'{"k": 1}') == {"k": 1}


@pytest.mark.parametrize("kind", KINDS)
def test_text_that_is_no_text_is_refused_in_one_line(kind: str) -> None:
    with pytest.raises(JsonTextError) as caught:
        jsontext.loads(bad_json(lambda text: {"command": text}, kind))
    message = str(caught.value)
    assert NAMED[kind] in message and "\n" not in message


@pytest.mark.parametrize("data, named", [
    (b'{"a": NaN}', "is not JSON (NaN is not a JSON number)"),
    (b'{"a": -Infinity}', "is not JSON (-Infinity is not a JSON number)"),
    (b"{nope", "is not JSON (Expecting property name"),
    (b"[" * 100_000, "is not JSON ("),
    (b"\xff\xfe{", "is not UTF-16 text"),  # a UTF-16 BOM, then half a character
    ('{"a": "\\udcff"}'.encode("utf-16-le"), "lone surrogate"),
    ('{"a": "x\ud800"}'.encode("utf-16-le", "surrogatepass"), "is not UTF-16-LE text"),
    (b'{"a": "\\ud800\\ud800"}', "lone surrogate"),  # two leading halves are no pair
    (b'{"a": "\\udc00\\ud800"}', "lone surrogate"),  # nor a trailing one first
    (b'{"\\udcff": 1}', "lone surrogate"),  # in a key
])
def test_what_json_loads_lets_through_is_refused(data: bytes, named: str) -> None:
    with pytest.raises(JsonTextError) as caught:
        jsontext.loads(data)
    assert named in str(caught.value)


def test_a_string_holding_surrogates_themselves_is_refused() -> None:
    """A str (a JSON string nested in another, say) may hold the lone surrogate itself."""
    with pytest.raises(JsonTextError, match="lone surrogate"):
        jsontext.loads('{"a": "\udcff"}')
    with pytest.raises(JsonTextError, match="lone surrogate"):
        jsontext.loads('"\\udcff"')


def test_only_an_object_is_an_object() -> None:
    with pytest.raises(JsonTextError, match=f"^{jsontext.NOT_AN_OBJECT}$"):
        jsontext.loads_object(b"[1]")


def test_check_text_and_is_text() -> None:
    jsontext.check_text({"a": ["fine", 1, None, {"b": "\U0001f600"}]})
    with pytest.raises(JsonTextError, match="lone surrogate"):
        jsontext.check_text({"a": ["fine", {"b": "x\ud800"}]})
    assert jsontext.is_text("\U0001f600") and not jsontext.is_text("a\udcff")


def test_spelled_out_writes_lone_surrogates_as_the_file_spells_them() -> None:
    value = {"allow": ["Bash(rm \udcff)", 3], "k\ud800": {"ok": "\U0001f600"}}
    assert jsontext.spelled_out(value) == {"allow": ["Bash(rm \\udcff)", 3],
                                           "k\\ud800": {"ok": "\U0001f600"}}
