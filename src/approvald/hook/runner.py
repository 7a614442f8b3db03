"""The hook, for every agent: payload bytes in, the agent's answer out, never failing open.

Fast path: read stdin, hand the bytes to the daemon's `/v1/hook/AGENT`, print the answer it
rendered in the agent's format (and exit with the code it says). Not even `json` is imported on
that path. The payload is parsed here only when no daemon answers (or the daemon is stopping),
and then `approvald.hook.local` decides with the same policy.

Every failure (bad input, a crash, an answer not understood) becomes the agent's own deny; if
even stdout is broken, exit 2 with the reason on stderr, which the agents also read as a block.
"""

from __future__ import annotations

import os
import sys

from approvald.agents import UnknownAgent, get_agent
from approvald.agents.base import Agent, HookReply, deny
from approvald.settings import default_config_file
from approvald.wire.endpoint import daemon_endpoint
from approvald.wire.errors import DaemonUnavailable, ProtocolError
from approvald.wire.protocol import hook_route
from approvald.wire.transport import request

MAX_PAYLOAD = 20 * 1024 * 1024
DEFAULT_WAIT_S = 320.0  # settings.HOOK_TIMEOUT_S (330) minus the hook's margin
EXIT_HEADER = "x-approvald-exit"
USAGE = "usage: approvald hook AGENT  (reads the agent's hook payload on stdin)"


def _wait_s(agent: str) -> float:
    """How long to wait on the daemon: below the timeout install wrote for this agent, so the
    fallback has time to run. config.toml is read only when it exists (usually one stat)."""
    path = default_config_file()
    if not os.path.exists(path):
        return DEFAULT_WAIT_S
    from approvald.settings import safe_load_settings

    return safe_load_settings(path).hook_wait_s(agent)


def _rendered(agent: Agent, body: bytes, exit_header: str) -> HookReply:
    """The daemon's rendering, printed only if it is something the agent's renderer could
    have produced: anything else printed could read to the agent as "proceed"."""
    text = body.decode("utf-8", "replace").strip()
    exit_code = int(exit_header) if exit_header in ("0", "2") else 0
    if agent.is_reply(text):
        return HookReply(text, exit_code)
    return agent.reply(deny("approvald: the daemon's answer was not understood"))


def _not_an_object(agent: Agent, raw: bytes) -> HookReply:
    """Input that is not a JSON object, said precisely without dialing the daemon."""
    import json

    try:
        json.loads(raw)
    except ValueError as exc:
        return agent.reply(deny(f"approvald: hook input is not JSON ({exc})"))
    return agent.reply(deny("approvald: hook input must be a JSON object"))


def _local(agent: Agent, raw: bytes, why: str) -> HookReply:
    from approvald.hook.local import local_reply

    return local_reply(agent, raw, why)


def decide(agent: Agent, raw: bytes, endpoint: str | None = None) -> HookReply:
    """The whole hook, minus I/O. Never raises."""
    try:
        if len(raw) > MAX_PAYLOAD:
            return agent.reply(deny(
                f"approvald: hook payload too large (over {MAX_PAYLOAD // 1048576} MB)"))
        if raw.lstrip()[:1] != b"{":
            return _not_an_object(agent, raw)
        if endpoint is None:
            endpoint = daemon_endpoint()
        try:
            response = request(endpoint, "POST", hook_route(agent.name), raw=raw,
                               timeout=_wait_s(agent.name))
        except (DaemonUnavailable, ProtocolError) as exc:
            return _local(agent, raw, str(exc))
        if response.status == 200:
            return _rendered(agent, response.body, response.headers.get(EXIT_HEADER, "0"))
        if response.status in (502, 503):  # the daemon is stopping: decide here instead
            return _local(agent, raw, response.error_message())
        return agent.reply(deny(f"approvald: {response.error_message()}"))
    except Exception as exc:  # never fail open
        return agent.reply(deny(f"approvald: hook error ({type(exc).__name__}: {exc})"))


def read_stdin(stream: object) -> bytes:
    """At most MAX_PAYLOAD + 1 bytes: more than that is refused, not buffered."""
    buffer = getattr(stream, "buffer", stream)
    data = buffer.read(MAX_PAYLOAD + 1)  # type: ignore[attr-defined]
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


def main(agent_name: str) -> int:
    try:
        agent = get_agent(agent_name)
    except UnknownAgent as exc:
        # Exit 2 with the reason on stderr: an agent that ran us by mistake still blocks.
        sys.stderr.write(f"approvald hook: {exc}\n{USAGE}\n")
        return 2
    try:
        raw = read_stdin(sys.stdin)
    except Exception as exc:
        reply = agent.reply(deny(f"approvald: could not read hook input ({exc})"))
    else:
        reply = decide(agent, raw)
    try:
        if reply.stdout:
            sys.stdout.write(reply.stdout + "\n")
        sys.stdout.flush()
        if reply.stderr:
            sys.stderr.write(reply.stderr + "\n")
    except Exception:
        # stdout is gone: exit 2 is every agent's other way to block, stderr the reason.
        sys.stderr.write("approvald: the hook could not answer, so this is blocked\n")
        return 2
    return reply.exit_code
