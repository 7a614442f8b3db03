"""The daemon's wire protocol: routes, headers, and the proofs that guard loopback TCP.

Over TCP both ends prove they know the client token (`state/client.token`, new at each daemon
start) without ever sending it: loopback TCP is open to every local user, where a Unix socket's
file permissions already keep others out, and a process that took a dead daemon's port must
learn nothing from a client and be unable to answer one (docs/API.md, "Transports").

Standard library only, imported lazily where it costs: the hook uses this on every tool call.
"""

from __future__ import annotations

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


def hook_route(agent: str) -> str:
    return HOOK_ROUTE + agent


def client_proof(token: str, nonce: str, method: str, target: str) -> str:
    """`X-Approvald-Client`'s proof: hex HMAC-SHA256(token, "client:NONCE:METHOD TARGET"), the
    target being the request line's path with its query, exactly as sent."""
    import hashlib
    import hmac

    message = f"client:{nonce}:{method} {target}".encode("latin-1")
    return hmac.new(token.encode("utf-8"), message, hashlib.sha256).hexdigest()


def server_proof(token: str, nonce: str) -> str:
    """`X-Approvald-Server`: hex HMAC-SHA256(token, "server:NONCE"), the daemon's half."""
    import hashlib
    import hmac

    message = f"server:{nonce}".encode("latin-1")
    return hmac.new(token.encode("utf-8"), message, hashlib.sha256).hexdigest()
