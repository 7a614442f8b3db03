"""The daemon's wire protocol: routes, headers, and the proofs that guard loopback TCP.

Both ends prove they know the client token (`state/client.token`, new at each daemon start)
without ever sending it, over TCP and over the Unix socket alike: loopback TCP is open to every
local user, and on either transport whatever took a dead daemon's socket or port must learn
nothing from a client and be unable to answer one. Proofs bind the request's body and the
answer's status, exit code and body; nonces carry the time and are used once (docs/API.md,
"Transports"; docs/SECURITY.md says what this cannot stop).

Standard library only, imported lazily where it costs: the hook uses this on every tool call.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

SOCKET_NAME = "approvald.sock"
ENDPOINT_FILE_NAME = "endpoint"
CLIENT_TOKEN_NAME = "client.token"
OPERATOR_TOKEN_NAME = "operator.token"
CLIENT_HEADER = "X-Approvald-Client"
SERVER_HEADER = "X-Approvald-Server"
DECISION_HEADER = "X-Approvald-Decision"

HOOK_ROUTE = "/v1/hook/"  # + the agent's name: its raw payload in, its rendered answer out
DECIDE_ROUTE = "/v1/decide"
STATUS_ROUTE = "/v1/status"
EVENTS_ROUTE = "/v1/events"


def hook_route(agent: str, event: str | None = None) -> str:
    """`/v1/hook/AGENT`, the pre-tool decision; `/v1/hook/AGENT/EVENT` for the agent's other
    hook events."""
    return HOOK_ROUTE + agent + ("/" + event if event else "")


EXIT_HEADER = "X-Approvald-Exit"
STREAM_DIGEST = "stream"  # what a streamed answer's proof binds instead of its body
# A nonce is 12 hex digits of the client's clock in milliseconds, then 20 random ones: the
# daemon refuses one outside NONCE_WINDOW_MS of its own clock, or one it has seen before.
NONCE_WINDOW_MS = 120_000


_SHA256: Any = None
# HMAC's pads as translation tables: each key byte XOR 0x36 (0x5C) in one C call.
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


def _sha256() -> Any:
    """The built-in sha256 (no OpenSSL load: `hashlib` costs the hook ~6 ms), found once: a
    failed import is searched for again on every attempt (`_sha2` does not exist before Python
    3.12), which cost about a millisecond a proof."""
    global _SHA256
    if _SHA256 is None:
        import importlib

        for name in ("_sha2", "_sha256", "hashlib"):  # Python >= 3.12, older ones, a stripped build
            try:
                _SHA256 = importlib.import_module(name).sha256
                break
            except ImportError:
                continue
    return _SHA256


def body_digest(body: bytes) -> str:
    return str(_sha256()(body).hexdigest())


def _hmac(token: str, message: str) -> str:
    """Hex HMAC-SHA256 (RFC 2104) over the built-in sha256."""
    sha256 = _sha256()
    key = token.encode("utf-8")
    if len(key) > 64:
        key = sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = sha256(key.translate(_IPAD) + message.encode("latin-1")).digest()
    return str(sha256(key.translate(_OPAD) + inner).hexdigest())


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two proofs."""
    from _operator import _compare_digest

    return bool(_compare_digest(a.encode("latin-1", "replace"), b.encode("latin-1", "replace")))


def new_nonce() -> str:
    import os
    import time

    return f"{int(time.time() * 1000):012x}{os.urandom(10).hex()}"


def nonce_ms(nonce: str) -> int | None:
    """The client's clock in a nonce (None when it holds none)."""
    head = nonce[:12]
    return int(head, 16) if len(nonce) >= 32 and len(head) == 12 else None


def client_proof(token: str, nonce: str, method: str, target: str, digest: str) -> str:
    """`X-Approvald-Client`'s proof: hex HMAC-SHA256(token, "client:NONCE:METHOD TARGET:DIGEST"),
    the target being the request line's path with its query exactly as sent, DIGEST the hex
    sha256 of the request body."""
    return _hmac(token, f"client:{nonce}:{method} {target}:{digest}")


def server_proof(token: str, nonce: str, status: int, exit_code: str, digest: str) -> str:
    """`X-Approvald-Server`: hex HMAC-SHA256(token, "server:NONCE:STATUS:EXIT:DIGEST"), EXIT the
    answer's X-Approvald-Exit ("" without one), DIGEST the hex sha256 of the answer's body
    (`stream` for the event stream, whose body is not bound)."""
    return _hmac(token, f"server:{nonce}:{status}:{exit_code}:{digest}")
