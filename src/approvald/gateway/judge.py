"""Deciding an action for the gateway: the daemon when one runs, else the same policy here.

With a daemon, `/v1/decide` with wait: ALLOW and DENY at once, REQUIRE_APPROVAL when a person
decided (the daemon's approval timeout bounds the wait). With none (nothing answers, or a 503),
the policy is evaluated in this process (loaded once, again when a policy file changes), the
decision joins the audit chain marked `mode: local`, and REQUIRE_APPROVAL is refused: nobody
can be asked. Any other failure is a refusal that says why.

A `Ruling` carries what the agent reads when refused: the rule and the reason, or the person's
words.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approvald.gateway.link import DaemonLink, no_daemon
from approvald.model import limits
from approvald.model.actions import Action
from approvald.model.decisions import ALLOW, APPROVED, DENY, REQUIRE_APPROVAL
from approvald.model.records import decision_record
from approvald.paths import Paths
from approvald.wire.errors import DaemonError

log = logging.getLogger("approvald.gateway")


@dataclass(frozen=True)
class Ruling:
    allowed: bool
    text: str  # why, in one sentence the agent (and the model) reads
    decision: dict[str, Any]
    known_values: int = 0  # leased values the daemon redacts (so results go through it)
    local: bool = False

    @property
    def outcome(self) -> str:
        """What happened in a few words, without the rule's reason."""
        if self.allowed:
            return "allowed"
        status = self.decision.get("status")
        if self.local and self.decision.get("decision") == REQUIRE_APPROVAL:
            return "nobody could be asked (no approvald daemon runs)"
        if status == "denied" and self.decision.get("decided_by") != "daemon":
            return "a person refused it"
        if status == "expired":
            return "nobody decided in time"
        if self.decision.get("decision") == DENY:
            return "the policy denies it"
        return "it was not let through"


def _rules(decision: dict[str, Any]) -> str:
    rules = [r for r in decision.get("rules", []) if isinstance(r, str)]
    return ", ".join(rules) or "policy"


def ruling_from_answer(answer: dict[str, Any]) -> Ruling:
    """The daemon's /v1/decide answer as a Ruling."""
    decision = answer.get("decision")
    reason = str(answer.get("reason") or "")
    known = answer.get("known_values")
    known_values = known if isinstance(known, int) else 0
    if decision == ALLOW:
        return Ruling(True, reason, answer, known_values)
    if decision == DENY:
        return Ruling(False, f"approvald denied this call (rule {_rules(answer)}): {reason}",
                      answer, known_values)
    if decision != REQUIRE_APPROVAL:
        return Ruling(False, f"approvald: unknown decision {decision!r}, so this is refused",
                      answer)
    status = answer.get("status")
    words = answer.get("decision_reason")
    by = answer.get("decided_by") or "the operator"
    if status == APPROVED:
        scope = " for this session" if answer.get("scope") == "session" else ""
        return Ruling(True, f"approved by {by}{scope} (approvald approval "
                            f"{answer.get('approval_id')})", answer, known_values)
    if status == "denied" and by == "daemon":
        text = f"approvald: no decision was made ({words or 'the daemon stopped'})"
    elif status == "denied":
        text = (f"approvald: a person denied this call ({by}): {words}" if words
                else f"approvald: a person denied this call ({by})")
    elif status == "expired":
        text = f"approvald: nobody decided in time ({words or 'the approval expired'})"
    else:
        text = "approvald: the approval is still pending, so this is refused"
    return Ruling(False, f"{text} [needed approval: {_rules(answer)}: {reason}]", answer,
                  known_values)


def local_ruling(decision: dict[str, Any]) -> Ruling:
    """A decision made here with no daemon: REQUIRE_APPROVAL cannot be asked, so it refuses."""
    if decision["decision"] == REQUIRE_APPROVAL:
        return Ruling(False, f"approvald: this call needs a person's approval (rule "
                             f"{_rules(decision)}: {decision['reason']}), and no approvald "
                             "daemon runs to ask one; start `approvald daemon` or open "
                             "`approvald tui`, then try again", decision, local=True)
    ruling = ruling_from_answer(decision)
    return Ruling(ruling.allowed, ruling.text, decision, local=True)


def _policy_signature(paths: Paths, starter: Path) -> tuple[Any, ...]:
    """What changes when a policy file does (the project's are read at each evaluation)."""
    seen: list[tuple[str, int, int]] = []
    for directory in (starter, paths.policies):
        try:
            entries = sorted(directory.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.suffix in (".yaml", ".yml"):
                try:
                    st = entry.stat()
                except OSError:
                    continue
                seen.append((str(entry), st.st_mtime_ns, st.st_size))
    return tuple(seen)


class Judge:
    def __init__(self, link: DaemonLink, paths: Paths):
        self.link = link
        self.paths = paths
        self._engine: Any = None
        self._signature: tuple[Any, ...] | None = None

    async def rule(self, action: Action, floor: dict[str, str] | None = None) -> Ruling:
        try:
            answer = await self.link.client().decide(action.to_json(), wait=True, floor=floor)
        except DaemonError as exc:
            if not no_daemon(exc):
                return Ruling(False, f"approvald: the daemon refused to decide ({exc}), so "
                                     "this is refused", {"decision": DENY, "rules": []})
            return await self.rule_locally(action, floor, why=str(exc))
        return ruling_from_answer(answer)

    async def rule_locally(self, action: Action, floor: dict[str, str] | None,
                           why: str) -> Ruling:
        try:
            decision = await asyncio.wait_for(asyncio.to_thread(self._evaluate, action),
                                              limits.EVALUATION_TIMEOUT_S)
        except asyncio.TimeoutError:
            decision = self._refusal(action, limits.TIMEOUT_RULE, limits.timeout_reason())
        except Exception as exc:  # a policy that does not load: nothing may pass
            log.warning("local policy check failed: %s", exc)
            decision = self._refusal(action, "approvald-policy-error",
                                     f"no daemon, and the policy does not load: {exc}")
        if floor is not None and decision["decision"] == ALLOW:
            decision = {**decision, "decision": REQUIRE_APPROVAL, "rules": [floor["rule"]],
                        "reason": floor["reason"]}
        await asyncio.to_thread(self._audit, action, decision, why)
        return local_ruling(decision)

    @staticmethod
    def _refusal(action: Action, rule: str, reason: str) -> dict[str, Any]:
        return {"decision": DENY, "rules": [rule], "reason": reason,
                "fingerprint": action.fingerprint, "policy_hash": "", "trigger": None}

    def _evaluate(self, action: Action) -> dict[str, Any]:
        too_large = limits.too_large_reason(action)
        if too_large:
            return self._refusal(action, limits.SIZE_RULE, too_large)
        from approvald.policy.engine import load_engine, starter_dir

        signature = _policy_signature(self.paths, starter_dir())
        if self._engine is None or signature != self._signature:
            self._engine = load_engine(self.paths)
            self._signature = signature
        return dict(self._engine.evaluate(action).to_json())

    def _audit(self, action: Action, decision: dict[str, Any], why: str) -> None:
        try:
            from approvald.audit import AuditLog

            with AuditLog(self.paths.audit) as audit:
                audit.append(decision_record(action, decision, mode="local", why_local=why,
                                             via="gateway"))
        except Exception as exc:  # the answer matters more than the record; say so
            log.warning("audit record not written: %s", exc)
