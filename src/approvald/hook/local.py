"""No daemon answers: the same policy decides inside the hook.

REQUIRE_APPROVAL then goes to the agent's own prompt (settings `no_daemon = "ask"`, the
default; an agent that cannot ask denies) or is denied (`no_daemon = "deny"`). The decision
joins the same audit chain, marked `mode: local`.

The check runs in a forked child where the platform can fork: the engine uses native code
(tree-sitter), and a crash in it would end this process with no output, which agents read as
"proceed". In a child, a crash is only a deny. The hook's one deadline bounds it: past it the
child is killed and the answer is "ask" (where the agent can ask and `no_daemon = "ask"`: no
person could be reached through approvald) or deny. Nothing is allowed or asked unless its
audit record was written and synced: a log that cannot be written makes the answer deny.
"""

from __future__ import annotations

import _signal as signal  # signal without its enums (importing those costs the hook time)
import _socket
import json
import os
import time
from collections.abc import Callable

from approvald.agents.base import ASK, PERMISSIONS, Agent, HookReply, Verdict, deny, instead
from approvald.model import limits
from approvald.model.actions import Action, ActionError
from approvald.model.decisions import ALLOW, DENY, REQUIRE_APPROVAL
from approvald.model.records import decision_record

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")
LATE_MARGIN_S = 0.25  # kept from the deadline to kill the child and print the answer


def local_reply(agent: Agent, raw: bytes, why: str, deadline: float | None = None) -> HookReply:
    from approvald.wire.jsontext import JsonTextError, loads_object

    try:
        payload = loads_object(raw)
    except JsonTextError as exc:
        return agent.reply(deny(f"approvald: hook input {exc}"))
    return agent.reply(isolated(lambda: local_verdict(agent, payload, why, deadline),
                                deadline, late=lambda: _late_verdict(agent)))


def _late_verdict(agent: Agent) -> Verdict:
    """The deadline passed with no decision: nobody could be asked through approvald."""
    from approvald.settings import safe_load_settings

    reason = "approvald could not decide in time"
    if agent.native_ask and safe_load_settings().no_daemon == "ask":
        return Verdict(ASK, f"{reason}, so {agent.display_name} asks")
    return deny(f"{reason}, so this is denied")


def local_verdict(agent: Agent, payload: dict[str, Any], why: str,
                  deadline: float | None = None) -> Verdict:
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
        engine = load_engine(compile_later=True)  # it decides once: only what it meets
    except PolicyError as exc:
        return deny(f"approvald: no daemon and the policy does not load: {exc}")
    budget = limits.EVALUATION_TIMEOUT_S
    if deadline is not None:
        budget = min(budget, max(0.01, deadline - time.monotonic() - LATE_MARGIN_S))
    try:
        with _deadline(budget):
            decision = engine.evaluate(action)
    except _Overtime:
        return deny(f"approvald: {limits.timeout_reason()}")
    except PolicyError as exc:  # a rule compiled on first use (known to compile) did not
        return deny(f"approvald: no daemon and the policy does not load: {exc}")
    unwritten = _audit_local(action, decision.to_json(), why)
    if unwritten is not None and decision.decision != DENY:
        return deny(f"approvald: no daemon, and the audit log cannot be written ({unwritten}), "
                    "so nothing is allowed")
    if decision.decision == ALLOW:
        return Verdict(None, decision.reason)
    if decision.decision == REQUIRE_APPROVAL and safe_load_settings().no_daemon == "ask":
        return Verdict(ASK, f"approvald (no daemon, so {agent.display_name} asks): "
                            f"{decision.reason}")
    also = instead(decision.suggest)
    if decision.decision == REQUIRE_APPROVAL:
        return deny(f"approvald: needs approval and no daemon runs: {decision.reason}{also}")
    return deny(f"approvald: {decision.reason}{also}")


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


def _audit_local(action: Action, decision: dict[str, Any], why: str) -> str | None:
    """The fallback's decision joins the same audit chain, synced to disk; None when written,
    else why not (then nothing may be allowed)."""
    try:
        from approvald.audit import AuditLog
        from approvald.paths import get_paths

        with AuditLog(get_paths().audit_dir, fsync=True) as audit:
            audit.append(decision_record(action, decision, mode="local", why_local=why))
    except Exception as exc:
        return str(exc) or type(exc).__name__
    return None


def isolated(decide_here: Callable[[], Verdict], deadline: float | None = None,
             late: Callable[[], Verdict] | None = None) -> Verdict:
    """Run `decide_here` in a forked child where the platform can fork (its crash is a deny),
    answering `late()` (default: a deny) if it has not answered by `deadline`."""

    def decode(answer: Any) -> Verdict | None:
        permission, reason = answer
        if not isinstance(reason, str) or (permission is not None
                                           and permission not in PERMISSIONS):
            return None
        return Verdict(permission, reason)

    return _isolated(decide_here, deadline,
                     late or (lambda: deny("approvald could not decide in time")),
                     lambda v: [v.permission, v.reason], decode,
                     lambda why: deny(f"approvald: the local policy check failed ({why}), so "
                                      "this is denied"))


def isolated_reply(answer_here: Callable[[], HookReply], deadline: float | None,
                   failed: Callable[[str], HookReply]) -> HookReply:
    """`isolated` for a whole reply (another hook event's local answer): a crash, an answer
    past `deadline` or one that is not a reply end in `failed(why)`."""

    def decode(answer: Any) -> HookReply | None:
        stdout, exit_code, stderr = answer
        if not (isinstance(stdout, str) and isinstance(stderr, str) and exit_code in (0, 2)):
            return None
        return HookReply(stdout, exit_code, stderr)

    return _isolated(answer_here, deadline, lambda: failed("approvald could not answer in time"),
                     lambda r: [r.stdout, r.exit_code, r.stderr], decode,
                     lambda why: failed(f"approvald: the local check failed ({why})"))


def _isolated(work: Callable[[], T], deadline: float | None, late: Callable[[], T],
              encode: Callable[[T], list[Any]], decode: Callable[[Any], T | None],
              failed: Callable[[str], T]) -> T:
    if not hasattr(os, "fork"):
        return _in_thread(work, deadline, late, failed)
    # A socket pair, not a pipe: its timeout bounds the wait without importing select (the
    # hook's fast path has loaded _socket already).
    read_end, write_end = _socket.socketpair()
    pid = os.fork()
    if pid == 0:  # the child: answer through the socket, never return into the caller's code
        code = 1
        try:
            read_end.close()
            write_end.sendall(json.dumps(encode(work())).encode("utf-8"))
            write_end.close()
            code = 0
        finally:
            os._exit(code)
    write_end.close()
    answer = _read_until(read_end, deadline)
    if answer is None:  # past the deadline: the child goes, the answer comes now
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(pid, 0)
        return late()
    _, status = os.waitpid(pid, 0)
    result = None
    if status == 0:
        try:
            result = decode(json.loads(answer))
        except (ValueError, TypeError):
            pass
    return result if result is not None else failed(f"status {status}")


def _read_until(sock: _socket.socket, deadline: float | None) -> bytes | None:
    """Everything the child sends on `sock` until it closes its end; None past `deadline`."""
    chunks: list[bytes] = []
    try:
        while True:
            if deadline is not None:
                left = deadline - time.monotonic() - LATE_MARGIN_S
                if left <= 0:
                    return None
                sock.settimeout(left)
            try:
                data = sock.recv(65536)
            except TimeoutError:
                return None
            if not data:
                return b"".join(chunks)
            chunks.append(data)
    finally:
        sock.close()


def _in_thread(work: Callable[[], T], deadline: float | None, late: Callable[[], T],
               failed: Callable[[str], T]) -> T:
    """Where there is no fork (Windows): a thread, abandoned at the deadline (the process
    answers and exits; a daemon thread does not hold it)."""
    import threading

    answer: list[T] = []

    def run() -> None:
        try:
            answer.append(work())
        except BaseException as exc:
            answer.append(failed(str(exc)))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()
                                                  - LATE_MARGIN_S))
    if answer:
        return answer[0]
    return late()
