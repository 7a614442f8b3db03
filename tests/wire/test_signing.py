"""The proofs' HMAC and comparison (approvald.signing) against the standard library's."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.signing import Signer, same

_KEYS = st.text(max_size=100)  # longer than a block too (the key is hashed first)
_MESSAGES = st.text(alphabet=st.characters(max_codepoint=255), max_size=300)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a busy machine
@given(_KEYS, st.lists(_MESSAGES, min_size=1, max_size=4))
def test_every_proof_of_a_signer_is_the_hmac_of_its_message(key: str,
                                                             messages: list[str]) -> None:
    signer = Signer(key)
    for message in messages:  # one signer, many proofs: none changes the next
        assert signer.sign(message) == hmac.new(key.encode(), message.encode("latin-1"),
                                                hashlib.sha256).hexdigest()


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=70), st.text(max_size=70))
def test_same_is_equality(a: str, b: str) -> None:
    assert same(a, b) is same(a.encode("latin-1", "replace"), b) is (
        a.encode("latin-1", "replace") == b.encode("latin-1", "replace"))


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=300))
def test_sha256_is_hashlibs_once_hashlib_is_loaded(data: bytes) -> None:
    from approvald.signing import sha256

    digest = sha256(data)
    assert type(digest) is type(hashlib.sha256())
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
