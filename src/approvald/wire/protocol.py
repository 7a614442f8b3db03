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

from approvald.signing import Signer, hex_digest
from approvald.signing import new_nonce as new_nonce  # the proofs' helpers, for their users
from approvald.signing import same as same

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


_SIGNERS: dict[str, Signer] = {}


def _signer(token: str) -> Signer:
    """The token's signer (the daemon signs with one token for its whole life)."""
    signer = _SIGNERS.get(token)
    if signer is None:
        if len(_SIGNERS) > 8:
            _SIGNERS.clear()
        signer = _SIGNERS[token] = Signer(token)
    return signer


def body_digest(body: bytes) -> str:
    return hex_digest(body)


def _hmac(token: str, message: str) -> str:
    """Hex HMAC-SHA256 (RFC 2104) over the built-in sha256 (approvald.signing)."""
    return _signer(token).sign(message)


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
