"""HMAC-SHA256 over the interpreter's built-in sha256: the one implementation of the proofs
both ends of the daemon's wire carry (`approvald.wire.protocol` says what they bind), and the
sha256 approvald's digests (fingerprints, the audit chain, the policy hash) are made with.

Why not `hashlib` and `hmac`: hashlib loads OpenSSL, milliseconds on every agent tool call,
and the hook (its fast path, `approvald.hook.fast`, and its local check) imports this module
and nothing like it. So this module imports nothing at all until it is used, and then only a
built-in; in a process that has loaded hashlib anyway (the daemon), hashlib's sha256 is used,
the same digest and faster on long inputs.
"""

from sys import modules as _modules
from sys import version_info

_SHA256 = None
_HASHLIB_SHA256 = None  # hashlib's, once found loaded (then asked for no more)


def sha256(data: bytes = b"") -> "Any":
    """A sha256 object over `data`: hashlib's once it is loaded, else the built-in one (`_sha2`,
    `_sha256` before 3.12)."""
    global _SHA256, _HASHLIB_SHA256
    if _HASHLIB_SHA256 is not None:
        return _HASHLIB_SHA256(data)
    loaded = getattr(_modules.get("hashlib"), "sha256", None)  # None while half imported
    if loaded is not None:
        _HASHLIB_SHA256 = loaded
        return loaded(data)
    if _SHA256 is None:
        # The module this version has, asked for first: a failed import costs a path search
        # (and, in the hook's local check, loads `site`: approvald.hook.runner._with_site).
        first, second = ("_sha2", "_sha256") if version_info >= (3, 12) else ("_sha256", "_sha2")
        try:
            found = __import__(first).sha256
        except ImportError:
            try:
                found = __import__(second).sha256
            except ImportError:  # pragma: no cover - a build without the built-in
                from hashlib import sha256 as found
        _SHA256 = found
    return _SHA256(data)


def hex_digest(data: bytes) -> str:
    """The hex sha256 of `data`."""
    return str(sha256(data).hexdigest())


class Signer:
    """Hex HMAC-SHA256 (RFC 2104) with one key, its pads hashed once: each proof goes on from
    copies of their states (as `hmac` does), not from the pads again."""

    __slots__ = ("inner", "outer")

    def __init__(self, key: str):
        secret = key.encode("utf-8")
        if len(secret) > 64:
            secret = sha256(secret).digest()
        secret = secret.ljust(64, b"\0")
        self.inner = sha256(bytes(b ^ 0x36 for b in secret))
        self.outer = sha256(bytes(b ^ 0x5C for b in secret))

    def sign(self, message: str) -> str:
        """HMAC(key, message) in hex; `message` is latin-1 text (proof messages are ASCII)."""
        inner = self.inner.copy()
        inner.update(message.encode("latin-1"))
        outer = self.outer.copy()
        outer.update(inner.digest())
        return str(outer.hexdigest())


_COMPARE = None  # _operator._compare_digest, imported on the first comparison


def same(a: "str | bytes", b: "str | bytes") -> bool:
    """Constant-time comparison of two proofs."""
    global _COMPARE
    if _COMPARE is None:
        from _operator import _compare_digest

        _COMPARE = _compare_digest
    left = a.encode("latin-1", "replace") if isinstance(a, str) else a
    right = b.encode("latin-1", "replace") if isinstance(b, str) else b
    return bool(_COMPARE(left, right))


def new_nonce() -> str:
    """12 hex digits of this clock in milliseconds, then 20 random ones."""
    from os import urandom
    from time import time

    return f"{int(time() * 1000):012x}{urandom(10).hex()}"


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
