"""The streaming redactor: every form of a value, any chunking, and nothing else touched."""

from __future__ import annotations

import base64
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.redaction import Redactor

TOKEN = "ghp_Zx9/Qw+e r&t=y%u1234567890abcdefXYZ"
MARK = b"[REDACTED:GH]"


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def forms_of(value: str) -> dict[str, bytes]:
    raw = value.encode()
    return {
        "raw": raw,
        "base64": b64(raw),
        "base64-nopad": b64(raw).rstrip(b"="),
        "base64url": base64.urlsafe_b64encode(raw),
        "base64url-nopad": base64.urlsafe_b64encode(raw).rstrip(b"="),
        "quote": urllib.parse.quote(value, safe="").encode(),
        "quote-lower": _lower_hex(urllib.parse.quote(value, safe="")).encode(),
        "quote-plus": urllib.parse.quote_plus(value).encode(),
        "quote-keep-slash": urllib.parse.quote(value).encode(),
    }


def _lower_hex(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "%":
            out.append(text[i:i + 3].lower())
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@pytest.mark.parametrize("form", list(forms_of(TOKEN)))
def test_every_form_is_redacted(form: str) -> None:
    encoded = forms_of(TOKEN)[form]
    out = Redactor([("GH", TOKEN)]).redact(b"before " + encoded + b" after\n")
    assert out == b"before " + MARK + b" after\n"


@pytest.mark.parametrize("prefix", [b"", b"x", b"xy", b"user:", b"GH_TOKEN=", b"Basic "])
@pytest.mark.parametrize("suffix", [b"", b"\n", b"@host", b"!!"])
def test_base64_of_value_inside_longer_text(prefix: bytes, suffix: bytes) -> None:
    """`echo $X | base64`, `user:value`, `NAME=value`: whatever the alignment."""
    encoded = b64(prefix + TOKEN.encode() + suffix)
    out = Redactor([("GH", TOKEN)]).redact(encoded)
    assert MARK in out
    # What is left around the mark is at most the two boundary groups' characters.
    leftover = out.replace(MARK, b"")
    assert len(leftover) <= len(b64(prefix)) + len(b64(suffix)) + 6
    # The core that identifies the value is gone.
    assert b64(TOKEN.encode()[3:33]) not in out


def test_wrapped_base64_is_redacted() -> None:
    """`base64` wraps its output at 76 columns."""
    value = "sk-" + "A1b2C3d4" * 12  # long enough to wrap
    encoded = b64(value.encode())
    wrapped = b"\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
    assert b"\n" in wrapped
    assert Redactor([("K", value)]).redact(wrapped + b"\n") == b"[REDACTED:K]\n"


def test_several_secrets_each_get_their_name() -> None:
    r = Redactor([("A", "alpha-secret-1"), ("B", "beta-secret-22")])
    out = r.redact(b"alpha-secret-1 and beta-secret-22 and " + b64(b"beta-secret-22"))
    assert out == b"[REDACTED:A] and [REDACTED:B] and [REDACTED:B]"


def test_longer_value_containing_a_shorter_one_wins() -> None:
    r = Redactor([("SHORT", "secret-part"), ("LONG", "xx-secret-part-yy")])
    assert r.redact(b"xx-secret-part-yy secret-part") == b"[REDACTED:LONG] [REDACTED:SHORT]"


def test_text_without_the_secret_is_untouched() -> None:
    r = Redactor([("GH", TOKEN)])
    text = b"ordinary output: ghp_ but not the token, %2F, " + b64(b"something else") + b"\n"
    assert r.redact(text) == text


def test_no_secrets_passes_everything_through() -> None:
    stream = Redactor([]).stream()
    assert stream.feed(b"abc") == b"abc"
    assert stream.close() == b""


def test_split_value_is_held_back_then_redacted() -> None:
    stream = Redactor([("GH", TOKEN)]).stream()
    raw = TOKEN.encode()
    first = stream.feed(b"token: " + raw[:10])
    assert raw[:10] not in first
    rest = stream.feed(raw[10:] + b" done")
    assert (first + rest + stream.close()) == b"token: " + MARK + b" done"


def test_idle_flush_lets_a_prompt_through_but_not_a_partial_secret() -> None:
    stream = Redactor([("GH", TOKEN)]).stream()
    assert stream.feed(b"Password? ") == b""  # held: shorter than the longest form
    assert stream.flush_idle() == b"Password? "
    assert stream.pending == 0
    out = stream.feed(b"tok " + TOKEN.encode()[:5])
    out += stream.flush_idle()
    assert out == b"tok "  # the partial value stays held back
    assert stream.pending == 5
    out = stream.feed(TOKEN.encode()[5:] + b"\n") + stream.close()
    assert out == MARK + b"\n"


def test_tail_never_exceeds_max_len() -> None:
    r = Redactor([("GH", TOKEN)])
    stream = r.stream()
    for _ in range(50):
        stream.feed(b"0123456789" * 7)
        assert stream.pending <= r.max_len - 1


# -- property: chunking never changes the result --------------------------------------------

_values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=6,
                  max_size=24)
_noise = st.binary(max_size=40)


@st.composite
def _streams(draw: st.DrawFn) -> tuple[str, bytes, list[int]]:
    value = draw(_values)
    forms = list(forms_of(value).values())
    pieces = []
    for _ in range(draw(st.integers(1, 4))):
        pieces.append(draw(_noise))
        pieces.append(draw(st.sampled_from(forms)))
    pieces.append(draw(_noise))
    data = b"".join(pieces)
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=12)))
    return value, data, cuts


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_streams(), st.booleans())
def test_any_chunking_gives_the_one_pass_result(case: tuple[str, bytes, list[int]],
                                                 idle: bool) -> None:
    value, data, cuts = case
    redactor = Redactor([("S", value)])
    whole = redactor.redact(data)
    stream = redactor.stream()
    out = b""
    start = 0
    for cut in [*cuts, len(data)]:
        out += stream.feed(data[start:cut])
        if idle:
            out += stream.flush_idle()
        start = cut
    out += stream.close()
    assert out == whole
    assert value.encode() not in out
    assert b64(value.encode()) not in out
    assert urllib.parse.quote(value, safe="").encode() not in out


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=200), st.lists(st.integers(0, 200), max_size=8))
def test_random_bytes_without_secret_pass_through_any_chunking(data: bytes,
                                                               cuts: list[int]) -> None:
    value = "q7-unlikely-\x00-value"
    if value.encode() in data:
        return
    stream = Redactor([("S", value)]).stream()
    out, start = b"", 0
    for cut in sorted(c for c in cuts if c <= len(data)):
        out += stream.feed(data[start:cut]) + stream.flush_idle()
        start = cut
    out += stream.feed(data[start:]) + stream.close()
    assert out == data
