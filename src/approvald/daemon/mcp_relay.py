"""One approval, two checkpoints: an MCP call a person just approved at the agent's hook passes
the MCP gateway's check of the very same call without asking twice.

An agent with approvald's hook that reaches an MCP server through `approvald mcp wrap` has each
tool call checked twice: by its hook (the agent's name for the tool, input the arguments) and,
a moment later, by the gateway (`mcp__S__T`, input `{server, tool, arguments}`). When the
hook's check needed a person and they approved, the gateway's check of a call to the same
server and tool with the same arguments, within `RELAY_WINDOW_S`, uses that approval once
instead of opening a second one. Nothing else is relayed: another tool or other arguments ask
again; a denial is not relayed (the hook's denial already stopped the call); the memory is the
daemon's only.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from approvald.model.actions import Action, canonical_json
from approvald.model.approvals import Approval
from approvald.model.kinds import MCP_CALL

RELAY_WINDOW_S = 60.0
_GATEWAY_INPUT = frozenset({"server", "tool", "arguments"})
Key = tuple[str, str, bytes]


def _key(action: Action, gateway: bool) -> Key | None:
    if action.kind != MCP_CALL or action.mcp_server is None or action.mcp_tool is None:
        return None
    shaped = set(action.input) == _GATEWAY_INPUT and isinstance(action.input["arguments"], dict)
    if shaped != gateway:
        return None
    arguments = action.input["arguments"] if gateway else action.input
    try:
        return action.mcp_server, action.mcp_tool, canonical_json(arguments)
    except ValueError:
        return None


class McpRelay:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._held: dict[Key, tuple[float, Approval]] = {}

    def approved(self, action: Action, approval: Approval) -> None:
        """A hook's MCP call was let through by a person's approval."""
        key = _key(action, gateway=False)
        if key is not None:
            self._prune()
            self._held[key] = (self._clock(), approval)

    def take(self, action: Action) -> Approval | None:
        """For the gateway's check of a call: the approval of the same call, once."""
        key = _key(action, gateway=True)
        if key is None:
            return None
        self._prune()
        held = self._held.pop(key, None)
        return held[1] if held is not None else None

    def _prune(self) -> None:
        cutoff = self._clock() - RELAY_WINDOW_S
        for key in [k for k, (at, _) in self._held.items() if at < cutoff]:
            del self._held[key]
