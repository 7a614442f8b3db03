"""The agents approvald guards, one module each, behind this registry.

    agent = get_agent("claude-code")     # an Agent (approvald.agents.base)
    action = agent.action(payload)       # its hook payload as an Action
    reply = agent.reply(verdict)         # a Verdict in its answer format (stdout, exit code)

Adding an agent is one module here (payload -> action, verdict -> answer, install target,
doctor scanner) plus its line in AGENTS. Modules are imported only when asked for: the hook
imports exactly one.

`--from action` (approvald's own action JSON) is not an agent but reads like one:
`payload_reader(name)` serves both.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from approvald.agents.base import Agent
    from approvald.model.actions import Action

# agent name -> its module under approvald.agents (which defines AGENT)
AGENTS: dict[str, str] = {
    "claude-code": "claude_code",
    "codex": "codex",
    "gemini": "gemini",
    "cursor": "cursor",
    "copilot": "copilot",
    "opencode": "opencode",
}
ACTION = "action"  # approvald's own action JSON, for `policy test --from action`
KNOWN_FORMATS = (*AGENTS, ACTION)


class UnknownAgent(ValueError):
    """No agent by that name (the message lists the known ones)."""


def get_agent(name: str) -> Agent:
    module = AGENTS.get(name)
    if module is None:
        raise UnknownAgent(f"unknown agent {name!r} (known: {', '.join(AGENTS)})")
    # __import__, not importlib.import_module: importlib (and warnings) cost the hook time
    qualified = f"approvald.agents.{module}"
    __import__(qualified)
    agent: Agent = sys.modules[qualified].AGENT
    return agent


def all_agents() -> list[Agent]:
    return [get_agent(name) for name in AGENTS]


def payload_reader(name: str) -> Callable[[Any], Action]:
    """How `--from NAME` input becomes an Action: an agent's payload, or approvald's own
    action JSON for `action`. ActionError (from the reader) for input it cannot use."""
    if name == ACTION:
        from approvald.model.actions import action_from_json

        return action_from_json
    return get_agent(name).action
