"""`approvald hook claude-code`: Claude Code's PreToolUse hook.

Claude Code runs this on every tool call with the payload on stdin and reads the answer from
stdout. Exit 0 with empty stdout means "no opinion" (Claude Code's own permission rules apply):
that is our ALLOW. Everything else is a JSON `hookSpecificOutput` with `permissionDecision`
`allow`, `deny` or `ask`. Claude Code treats a crash, a timeout, empty output or an exit code
other than 0/2 as "proceed", so every failure here ends as an explicit `deny` (exit 0, JSON);
if even stdout is broken, exit 2 with the reason on stderr, which Claude Code also treats as a
block.

Fast path: read stdin, hand the bytes to the daemon's `/v1/hook/claude-code`, print the answer
it renders (with this module's `answer_from_daemon`). Not even `json` is imported on that path;
the payload is parsed here only in the fallback (no daemon, or the daemon died while we
waited), which is also the only place the policy engine is imported.
"""

from __future__ import annotations

import os
import sys

from approvald.hook.endpoint import config_file, daemon_endpoint
from approvald.hook.transport import DaemonUnavailable, ProtocolError, request

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable

MAX_PAYLOAD = 20 * 1024 * 1024
EVENT = "PreToolUse"
DEFAULT_SOCKET_TIMEOUT_S = 320.0  # HOOK_TIMEOUT_S (330) minus the hook's margin
ALLOW, DENY, REQUIRE_APPROVAL = "ALLOW", "DENY", "REQUIRE_APPROVAL"


class HookAnswer:
    """What the hook prints: `permission` None means allow-through (no opinion)."""

    __slots__ = ("permission", "reason")

    def __init__(self, permission: str | None, reason: str = ""):
        self.permission = permission
        self.reason = reason

    def render(self) -> str:
        if self.permission is None:
            return ""
        import json

        return json.dumps({"hookSpecificOutput": {
            "hookEventName": EVENT,
            "permissionDecision": self.permission,
            "permissionDecisionReason": self.reason,
        }}, ensure_ascii=False)


def deny(reason: str) -> HookAnswer:
    return HookAnswer("deny", reason)


def _approval_reason(answer: dict[str, object]) -> str:
    by = answer.get("decided_by") or "the operator"
    scope = " for this session" if answer.get("scope") == "session" else ""
    return f"approved by {by}{scope} (approvald approval {answer.get('approval_id')})"


def answer_from_daemon(answer: object) -> HookAnswer:
    """Turn the daemon's /v1/decide answer into Claude Code's."""
    if not isinstance(answer, dict):
        return deny("approvald: the daemon's answer was not understood")
    decision = answer.get("decision")
    reason = str(answer.get("reason") or "")
    if decision == ALLOW:
        return HookAnswer(None, reason)
    if decision == DENY:
        return deny(f"approvald: {reason}" if reason else "approvald: denied by policy")
    if decision == REQUIRE_APPROVAL:
        status = answer.get("status")
        if status == "approved":
            return HookAnswer("allow", _approval_reason(answer))
        words = answer.get("decision_reason")
        if status == "denied":
            by = answer.get("decided_by") or "the operator"
            if by == "daemon":
                return deny(f"approvald: {words or 'daemon stopping'}")
            text = f"denied by {by}"
            return deny(f"approvald: {text}: {words}" if words else f"approvald: {text}")
        if status == "expired":
            return deny(f"approvald: {words or 'no decision in time'}")
        return deny("approvald: approval still pending")
    return deny(f"approvald: unknown decision {decision!r}")


def _socket_timeout() -> float:
    """Below Claude Code's hook timeout (config hook_timeout_s) so the fallback has time to run.
    The config file is read only when it exists (the common case costs one stat)."""
    path = config_file()
    if not os.path.exists(path):
        return DEFAULT_SOCKET_TIMEOUT_S
    from pathlib import Path

    from approvald.config import safe_load_config

    return safe_load_config(Path(path)).hook_socket_timeout_s


def local_answer(payload: dict[str, object], why: str) -> HookAnswer:
    """No daemon: the same engine decides here; REQUIRE_APPROVAL goes to Claude Code's own prompt
    (config no_daemon = "ask", the default) or is denied (no_daemon = "deny")."""
    from approvald.actions import ActionError
    from approvald.adapters import get_adapter
    from approvald.config import safe_load_config
    from approvald.hook import limits
    from approvald.policy import PolicyError, load_engine

    try:
        action = get_adapter("claude-code")(payload)
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
    config = safe_load_config()
    _audit_local(action, decision, why)
    if decision.decision == ALLOW:
        return HookAnswer(None, decision.reason)
    if decision.decision == REQUIRE_APPROVAL and config.no_daemon == "ask":
        return HookAnswer("ask", f"approvald (no daemon, so Claude Code asks): {decision.reason}")
    if decision.decision == REQUIRE_APPROVAL:
        return deny(f"approvald: needs approval and no daemon runs: {decision.reason}")
    return deny(f"approvald: {decision.reason}")


class _Overtime(Exception):
    pass


class _deadline:
    """Raise _Overtime in this (main) thread after `seconds` (Unix; elsewhere no deadline)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.previous: object = None

    def __enter__(self) -> None:
        import signal

        if hasattr(signal, "SIGALRM"):
            self.previous = signal.signal(signal.SIGALRM, self._overtime)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    @staticmethod
    def _overtime(signum: int, frame: object) -> None:
        raise _Overtime

    def __exit__(self, *exc: object) -> None:
        import signal

        if hasattr(signal, "SIGALRM"):
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)  # type: ignore[arg-type]


def _audit_local(action: object, decision: object, why: str) -> None:
    """Best effort: the fallback's decisions join the same audit chain."""
    try:
        from approvald.audit import AuditLog
        from approvald.paths import get_paths

        act = action  # typed loosely: only the attributes below are read
        record = {
            "event": "decision", "mode": "local", "why_local": why,
            "agent": getattr(act, "agent", ""), "session_id": getattr(act, "session_id", ""),
            "cwd": getattr(act, "cwd", ""), "tool": getattr(act, "tool", ""),
            "kind": getattr(act, "kind", ""), "summary": getattr(act, "summary", ""),
            "decision": getattr(decision, "decision", ""),
            "rules": list(getattr(decision, "rules", ())),
            "reason": getattr(decision, "reason", ""),
            "fingerprint": getattr(decision, "fingerprint", ""),
            "policy_hash": getattr(decision, "policy_hash", ""),
        }
        with AuditLog(get_paths().audit) as audit:
            audit.append(record)
    except Exception:  # the answer matters more than the record
        pass


class RenderedAnswer(HookAnswer):
    """The daemon's rendering of an answer, printed as it came."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        super().__init__(None, "")
        self.text = text

    def render(self) -> str:
        return self.text


def _rendered(body: bytes) -> HookAnswer:
    """Accept only what the daemon renders: nothing (allow) or a hookSpecificOutput object.
    Anything else printed would read to Claude Code as "proceed"."""
    text = body.decode("utf-8", "replace").strip()
    if not text or text.startswith('{"hookSpecificOutput": {'):
        return RenderedAnswer(text)
    return deny("approvald: the daemon's answer was not understood")


def parse_payload(raw: bytes) -> dict[str, object] | HookAnswer:
    import json

    try:
        payload = json.loads(raw)
    except ValueError as exc:
        return deny(f"approvald: hook input is not JSON ({exc})")
    if not isinstance(payload, dict):
        return deny("approvald: hook input must be a JSON object")
    return payload


def _local(raw: bytes, why: str) -> HookAnswer:
    payload = parse_payload(raw)
    if isinstance(payload, HookAnswer):
        return payload
    return isolated(lambda: local_answer(payload, why))


def isolated(decide_here: Callable[[], HookAnswer]) -> HookAnswer:
    """Run the local policy check in a forked child where the platform can fork.

    The engine uses native code (tree-sitter); a crash in it would end this process with no
    output, which Claude Code reads as "proceed". In a child, a crash is only a deny.
    """
    if not hasattr(os, "fork"):
        return decide_here()
    import json

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, never return into the caller's code
        code = 1
        try:
            os.close(read_end)
            answer = decide_here()
            data = json.dumps([answer.permission, answer.reason]).encode("utf-8")
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
    if not isinstance(reason, str) or permission not in (None, "allow", "deny", "ask"):
        return deny(f"approvald: the local policy check failed (status {status}), so this is "
                    "denied")
    return HookAnswer(permission, reason)


def decide(raw: bytes, endpoint: str | None = None) -> HookAnswer:
    """The whole hook, minus I/O: payload bytes in, answer out. Never raises."""
    try:
        if len(raw) > MAX_PAYLOAD:
            return deny(f"approvald: hook payload too large (over {MAX_PAYLOAD // 1048576} MB)")
        if raw.lstrip()[:1] != b"{":  # not an object: say what is wrong without dialing
            parsed = parse_payload(raw)
            return parsed if isinstance(parsed, HookAnswer) else deny(
                "approvald: hook input must be a JSON object")
        if endpoint is None:
            endpoint = daemon_endpoint()
        try:
            response = request(endpoint, "POST", "/v1/hook/claude-code", raw=raw,
                               timeout=_socket_timeout())
        except (DaemonUnavailable, ProtocolError) as exc:
            return _local(raw, str(exc))
        if response.status == 200:
            return _rendered(response.body)
        if response.status in (502, 503):  # the daemon is stopping: decide here instead
            return _local(raw, response.error_message())
        return deny(f"approvald: {response.error_message()}")
    except Exception as exc:  # never fail open
        return deny(f"approvald: hook error ({type(exc).__name__}: {exc})")


def read_stdin(stream: object) -> bytes:
    """At most MAX_PAYLOAD + 1 bytes: more than that is refused, not buffered."""
    buffer = getattr(stream, "buffer", stream)
    data = buffer.read(MAX_PAYLOAD + 1)  # type: ignore[attr-defined]
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    try:
        raw = read_stdin(sys.stdin)
    except Exception as exc:
        answer = deny(f"approvald: could not read hook input ({exc})")
    else:
        answer = decide(raw)
    text = answer.render()
    try:
        if text:
            sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except Exception:
        # stdout is gone: exit 2 is Claude Code's other way to block, with stderr as the reason.
        sys.stderr.write((answer.reason or "approvald: hook could not answer") + "\n")
        return 2
    return 0
