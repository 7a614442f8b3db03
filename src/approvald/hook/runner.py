"""The hook, for every agent: payload bytes in, the agent's answer out, never failing open.

Fast path: read stdin, hand the bytes to the daemon's `/v1/hook/AGENT`, print the answer it
rendered in the agent's format (and exit with the code it says). Not even `json` is imported on
that path. The payload is parsed here only when no daemon answers (or the daemon is stopping),
and then `approvald.hook.local` decides with the same policy.

Every failure (bad input, a crash, an answer not understood) becomes the agent's own deny; if
even stdout is broken, exit 2 with the reason on stderr, which the agents also read as a block.

One deadline bounds the whole run (`Settings.hook_deadline_s`: below the timeout install wrote
for this agent): the daemon gets what is left of it minus a reserve for the local check, the
local check gets the rest, and past it the hook answers at once: deny, or ask where the agent
can ask and no person could be reached through approvald. The daemon's answer counts only if
it proves itself (`approvald.wire.transport`, on the Unix socket too); anything else, empty,
short, malformed, slow or unproven, is no daemon.
"""

from __future__ import annotations

import os
import sys

from approvald.agents import UnknownAgent, get_agent
from approvald.agents.base import Agent, HookEvent, HookReply, deny
from approvald.settings import HOOK_TIMEOUT_S, default_config_file, hook_deadline_s

# The wire modules are imported where a request goes: a hook that the fast path already found
# no daemon for (`resume(..., no_daemon=...)`) goes straight to the local check without them.
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    from approvald.wire.transport import Response

MAX_PAYLOAD = 20 * 1024 * 1024
USAGE = ("usage: approvald hook AGENT [EVENT]  (reads the agent's hook payload on stdin; "
         "EVENT for the agent's hook events besides the pre-tool decision)")
# Kept from the deadline for the local check when the daemon does not answer in time.
LOCAL_RESERVE_S = 5.0


def deadline_s(agent: str) -> float:
    """This agent's whole-run deadline in seconds (config.toml is read only when it exists:
    usually one stat)."""
    path = default_config_file()
    if not os.path.exists(path):
        return hook_deadline_s(HOOK_TIMEOUT_S)
    from approvald.settings import safe_load_settings

    return safe_load_settings(path).hook_deadline_s(agent)


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
    from approvald.wire.jsontext import NOT_AN_OBJECT, JsonTextError, loads

    try:
        loads(raw)
    except JsonTextError as exc:
        return agent.reply(deny(f"approvald: hook input {exc}"))
    return agent.reply(deny(f"approvald: hook input {NOT_AN_OBJECT}"))


def _with_site() -> None:
    """Under the fast entry (`-I -S`), make the installed packages importable for the local
    check (yaml when the policy cache misses, tree-sitter for a line the plain reader cannot
    take): `site` loads when the first module neither the standard library nor approvald has
    is imported, not before (its `.pth` files cost every tool call about 1.5 ms)."""
    if sys.flags.no_site and not any(isinstance(f, _SiteOnFirstMiss) for f in sys.meta_path):
        sys.meta_path.append(_SiteOnFirstMiss())


class _SiteOnFirstMiss:
    """Last on `sys.meta_path`: a top-level module no other finder found loads `site` (once)
    and is looked for again, now with the installed packages on the path. A module the
    platform's standard library lacks (`nt` on Linux) is only missing."""

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if path is not None or name in sys.stdlib_module_names:
            return None
        sys.meta_path.remove(self)
        import site

        site.main()
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = find(name, path, target) if find is not None else None
            if spec is not None:
                return spec
        return None


def _local(agent: Agent, raw: bytes, why: str, deadline: float) -> HookReply:
    _with_site()
    from approvald.hook.local import local_reply

    return local_reply(agent, raw, why, deadline)


def decide(agent: Agent, raw: bytes, endpoint: str | None = None,
           deadline: float | None = None,
           received: Callable[[], Response] | None = None,
           no_daemon: str | None = None) -> HookReply:
    """The whole hook, minus I/O, answered by `deadline` (a `time.monotonic()` instant;
    default: this agent's deadline from now). `received`: the daemon's answer to a request the
    fast path already sent (approvald.hook.fast), instead of sending one. `no_daemon`: why the
    fast path found no daemon in this run (nothing listening where it would be), so the local
    check decides without dialing again. Never raises."""
    from time import monotonic

    try:
        if deadline is None:
            deadline = monotonic() + deadline_s(agent.name)
        if len(raw) > MAX_PAYLOAD:
            return agent.reply(deny(
                f"approvald: hook payload too large (over {MAX_PAYLOAD // 1048576} MB)"))
        if raw.lstrip()[:1] != b"{":
            return _not_an_object(agent, raw)
        if no_daemon is not None:
            return _local(agent, raw, no_daemon, deadline)
        from approvald.wire.endpoint import daemon_endpoint
        from approvald.wire.errors import DaemonUnavailable, ProtocolError
        from approvald.wire.protocol import EXIT_HEADER, hook_route
        from approvald.wire.transport import request

        if endpoint is None:
            endpoint = daemon_endpoint()
        reserve = min(LOCAL_RESERVE_S, max(0.0, deadline - monotonic()) * 0.25)
        try:
            if received is not None:
                response = received()
            else:
                response = request(endpoint, "POST", hook_route(agent.name), raw=raw,
                                   timeout=None, deadline=deadline - reserve,
                                   require_proof=True)
        except (DaemonUnavailable, ProtocolError) as exc:
            return _local(agent, raw, str(exc), deadline)
        if response.status == 200:
            return _rendered(agent, response.body,
                             response.headers.get(EXIT_HEADER.lower(), "0"))  # as transport keys it
        if response.status in (502, 503):  # the daemon is stopping: decide here instead
            return _local(agent, raw, response.error_message(), deadline)
        return agent.reply(deny(f"approvald: {response.error_message()}"))
    except Exception as exc:  # never fail open
        return agent.reply(deny(f"approvald: hook error ({type(exc).__name__}: {exc})"))


def decide_event(agent: Agent, event: HookEvent, raw: bytes, endpoint: str | None = None,
                 deadline: float | None = None) -> HookReply:
    """One of the agent's other hook events, minus I/O: the daemon's answer in that event's
    form, the local one when no daemon answers, else the event's fail-closed form (for
    PostToolUse: the turn ends rather than unchecked output reaching the model). Never
    raises."""
    from time import monotonic

    from approvald.wire.endpoint import daemon_endpoint
    from approvald.wire.errors import DaemonUnavailable, ProtocolError
    from approvald.wire.protocol import EXIT_HEADER, hook_route
    from approvald.wire.transport import request

    try:
        if deadline is None:
            deadline = monotonic() + event_deadline_s(agent, event)
        if len(raw) > MAX_PAYLOAD:
            return agent.event_failure(
                event, f"approvald: hook payload too large (over {MAX_PAYLOAD // 1048576} MB)")
        if raw.lstrip()[:1] != b"{":
            return agent.event_failure(event, "approvald: hook input is not a JSON object")
        if endpoint is None:
            endpoint = daemon_endpoint()
        reserve = min(LOCAL_RESERVE_S, max(0.0, deadline - monotonic()) * 0.25)
        try:
            response = request(endpoint, "POST", hook_route(agent.name, event.name), raw=raw,
                               timeout=None, deadline=deadline - reserve, require_proof=True)
        except (DaemonUnavailable, ProtocolError) as exc:
            return _local_event(agent, event, raw, str(exc), deadline)
        if response.status == 200:
            text = response.body.decode("utf-8", "replace").strip()
            exit_header = response.headers.get(EXIT_HEADER.lower(), "0")
            if agent.is_event_reply(event, text) and exit_header in ("0", "2"):
                # Only stdout and the exit code cross the wire; an agent reads a block's reason
                # from stderr, so it is put back there from the reply's own `reason`.
                return HookReply(text, int(exit_header),
                                 _reason_of(text) if exit_header == "2" else "")
            return agent.event_failure(event, "approvald: the daemon's answer was not understood")
        if response.status in (502, 503):
            return _local_event(agent, event, raw, response.error_message(), deadline)
        return agent.event_failure(event, f"approvald: {response.error_message()}")
    except Exception as exc:  # never fail open
        return agent.event_failure(event, f"approvald: hook error ({type(exc).__name__}: {exc})")


def _reason_of(text: str) -> str:
    import json

    try:
        doc = json.loads(text)
    except ValueError:
        return ""
    reason = doc.get("reason") if isinstance(doc, dict) else None
    return reason if isinstance(reason, str) else ""


def event_deadline_s(agent: Agent, event: HookEvent) -> float:
    """One run's deadline for `event`: below its own timeout, or below the agent's hook
    timeout for an event that waits for a person."""
    if event.timeout_s is not None:
        return hook_deadline_s(event.timeout_s)
    return deadline_s(agent.name)


def _local_event(agent: Agent, event: HookEvent, raw: bytes, why: str,
                 deadline: float) -> HookReply:
    """The event's local answer, isolated and bounded like the local decision: a keyring that
    hangs or a crash ends in the event's fail-closed form, never in silence."""
    _with_site()
    from approvald.hook.events import local_event_reply
    from approvald.hook.local import isolated_reply

    return isolated_reply(lambda: local_event_reply(agent, event, raw, why), deadline,
                          lambda reason: agent.event_failure(event, reason))


def read_stdin(stream: object) -> bytes:
    """At most MAX_PAYLOAD + 1 bytes: more than that is refused, not buffered."""
    buffer = getattr(stream, "buffer", stream)
    data = buffer.read(MAX_PAYLOAD + 1)  # type: ignore[attr-defined]
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


def main(agent_name: str, event_name: str | None = None, started: float | None = None,
         raw: bytes | None = None, received: Callable[[], Response] | None = None,
         no_daemon: str | None = None) -> int:
    """The hook: read stdin (unless `raw` is given), decide, print the answer; its exit code.
    `event_name`: one of the agent's hook events besides the pre-tool decision (None, or a
    decision event's name: the decision). `received`, `no_daemon`: see `decide`."""
    from time import monotonic

    if started is None:
        started = monotonic()
    try:
        agent = get_agent(agent_name)
    except UnknownAgent as exc:
        # Exit 2 with the reason on stderr: an agent that ran us by mistake still blocks.
        sys.stderr.write(f"approvald hook: {exc}\n{USAGE}\n")
        return 2
    event = agent.hook_event(event_name) if event_name else None
    decision_events = agent.install.event_names if agent.install is not None else ()
    if event_name and event is None and event_name not in decision_events:
        known = ", ".join(e.name for e in agent.hook_events) or "none"
        sys.stderr.write(f"approvald hook: {agent.name} has no hook event {event_name!r} "
                         f"(known: {known})\n{USAGE}\n")
        return 2
    try:
        if raw is None:
            raw = read_stdin(sys.stdin)
    except Exception as exc:
        why = f"approvald: could not read hook input ({exc})"
        reply = agent.event_failure(event, why) if event else agent.reply(deny(why))
    else:
        if event is not None:
            deadline = started + event_deadline_s(agent, event)
            reply = decide_event(agent, event, raw, deadline=deadline)
        else:
            reply = decide(agent, raw, deadline=started + deadline_s(agent.name),
                           received=received, no_daemon=no_daemon)
    return write_reply(reply)


def write_reply(reply: HookReply) -> int:
    """Print `reply` (UTF-8, as every agent reads it); its exit code, or 2 when stdout is
    gone (every agent's other way to block, with the reason on stderr)."""
    try:
        if reply.stdout:
            out = getattr(sys.stdout, "buffer", None)
            if out is not None:
                sys.stdout.flush()  # whatever was written as text goes first
                out.write(reply.stdout.encode("utf-8") + b"\n")
            else:
                sys.stdout.write(reply.stdout + "\n")
        sys.stdout.flush()
        if reply.stderr:
            sys.stderr.write(reply.stderr + "\n")
            sys.stderr.flush()
    except Exception:
        sys.stderr.write("approvald: the hook could not answer, so this is blocked\n")
        return 2
    return reply.exit_code


def resume(agent_name: str, started: float, raw: bytes | None, why: str,
           sent: tuple[str, str, str] | None, answer: bytes | None,
           no_daemon: bool = False) -> int:
    """The full path, after the fast one (approvald.hook.fast) stopped for `why`. `raw` None:
    stdin could not be read. `sent` None: nothing went to the daemon, so decide from the
    start; with `no_daemon` the fast path found nothing listening where the daemon would be
    (refused, or no socket file), so the local check decides without dialing again. Else
    `sent` is (client token, nonce, endpoint) of the request that went, and `answer` what came
    back (None: nothing did): judged here the full way, never re-sent."""
    if raw is None:
        try:
            agent = get_agent(agent_name)
        except UnknownAgent:
            return main(agent_name, started=started, raw=b"")  # says so, exit 2
        return write_reply(agent.reply(deny(f"approvald: could not read hook input ({why})")))
    if sent is None:
        return main(agent_name, started=started, raw=raw, no_daemon=why if no_daemon else None)
    from approvald.wire.errors import DaemonUnavailable
    from approvald.wire.transport import check_server_proof, parse_response

    token, nonce, endpoint = sent

    def received() -> Response:
        if answer is None:
            raise DaemonUnavailable(why)
        response = parse_response(answer, endpoint)
        check_server_proof(response, token, nonce, endpoint)
        return response

    return main(agent_name, started=started, raw=raw, received=received)
