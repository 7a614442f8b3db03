"""No daemon answers: the same policy decides inside the hook.

REQUIRE_APPROVAL then goes to the agent's own prompt (settings `no_daemon = "ask"`, the
default; an agent that cannot ask denies) or is denied (`no_daemon = "deny"`). The decision
joins the same audit chain, marked `mode: local`.

The check runs in a forked child where the platform can fork: the engine uses native code
(tree-sitter), and a crash in it would end this process with no output, which agents read as
"proceed". In a child, a crash is only a deny. A deadline bounds the analysis.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from typing import Any

from approvald.agents.base import ASK, PERMISSIONS, Agent, HookReply, Verdict, deny
from approvald.model import limits
from approvald.model.actions import Action, ActionError
from approvald.model.decisions import ALLOW, REQUIRE_APPROVAL
from approvald.model.records import decision_record


def local_reply(agent: Agent, raw: bytes, why: str) -> HookReply:
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        return agent.reply(deny(f"approvald: hook input is not JSON ({exc})"))
    if not isinstance(payload, dict):
        return agent.reply(deny("approvald: hook input must be a JSON object"))
    return agent.reply(isolated(lambda: local_verdict(agent, payload, why)))


def local_verdict(agent: Agent, payload: dict[str, Any], why: str) -> Verdict:
    from approvald.policy import PolicyError, load_engine
    from approvald.settings import safe_load_settings

    try:
        action = agent.action(payload)
    except ActionError as exc:
        return deny(f"approvald: unusable hook input: {exc}")
    too_large = limits.too_large_reason(action)
    if too_large:
        return deny(f"approvald: {too_large}")
    try:
        engine = load_engine()
    except PolicyError as exc:
        return deny(f"approvald: no daemon and the policy does not load: {exc}")
    try:
        with _deadline(limits.EVALUATION_TIMEOUT_S):
            decision = engine.evaluate(action)
    except _Overtime:
        return deny(f"approvald: {limits.timeout_reason()}")
    _audit_local(action, decision.to_json(), why)
    if decision.decision == ALLOW:
        return Verdict(None, decision.reason)
    if decision.decision == REQUIRE_APPROVAL and safe_load_settings().no_daemon == "ask":
        return Verdict(ASK, f"approvald (no daemon, so {agent.display_name} asks): "
                            f"{decision.reason}")
    if decision.decision == REQUIRE_APPROVAL:
        return deny(f"approvald: needs approval and no daemon runs: {decision.reason}")
    return deny(f"approvald: {decision.reason}")


class _Overtime(Exception):
    pass


class _deadline:
    """Raise _Overtime in this (main) thread after `seconds` (Unix; elsewhere no deadline)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.previous: Any = None

    def __enter__(self) -> None:
        if hasattr(signal, "SIGALRM"):
            self.previous = signal.signal(signal.SIGALRM, self._overtime)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    @staticmethod
    def _overtime(signum: int, frame: object) -> None:
        raise _Overtime

    def __exit__(self, *exc: object) -> None:
        if hasattr(signal, "SIGALRM"):
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def _audit_local(action: Action, decision: dict[str, Any], why: str) -> None:
    """Best effort: the fallback's decisions join the same audit chain."""
    try:
        from approvald.audit import AuditLog
        from approvald.paths import get_paths

        with AuditLog(get_paths().audit) as audit:
            audit.append(decision_record(action, decision, mode="local", why_local=why))
    except Exception:  # the answer matters more than the record
        pass


def isolated(decide_here: Callable[[], Verdict]) -> Verdict:
    """Run `decide_here` in a forked child where the platform can fork; its crash is a deny."""
    if not hasattr(os, "fork"):
        return decide_here()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, never return into the caller's code
        code = 1
        try:
            os.close(read_end)
            verdict = decide_here()
            data = json.dumps([verdict.permission, verdict.reason]).encode("utf-8")
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    try:
        permission, reason = json.loads(data) if status == 0 else (None, None)
    except ValueError:
        permission, reason = None, None
    if not isinstance(reason, str) or (permission is not None and permission not in PERMISSIONS):
        return deny(f"approvald: the local policy check failed (status {status}), so this is "
                    "denied")
    return Verdict(permission, reason)
