"""The result of evaluating one action."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from json.encoder import encode_basestring

from approvald.model.actions import one_shot_encoder
from approvald.model.decisions import ALLOW, DECISIONS, DENY, REQUIRE_APPROVAL, stronger
from approvald.model.plain import Frozen
from approvald.signing import hex_digest

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any, overload

__all__ = ["ALLOW", "DECISIONS", "DENY", "REQUIRE_APPROVAL", "Decision", "Match", "stronger"]


class Match(Frozen):
    """One rule that matched, and what it matched (for `policy explain` and the dashboard)."""

    rule: str
    decision: str
    reason: str
    target: str  # the command / path / URL it matched, as text
    source: str  # file:line of the rule

    def __init__(self, rule: str, decision: str, reason: str, target: str,
                 source: str = "") -> None:
        self.__dict__.update(rule=rule, decision=decision, reason=reason, target=target,
                             source=source)


class Decision(Frozen):
    decision: str
    reason: str
    rules: tuple[str, ...]
    fingerprint: str
    policy_hash: str
    matches: tuple[Match, ...]
    # What the agent could do instead (the deciding rule's `suggest:`), said with a deny.
    suggest: str | None
    # Everything the analysis found, for explain: [{"argv": [...], "cwd": ..., "matched": [...]}]
    # (built on first use: most decisions are never explained)
    analysis: Sequence[dict[str, Any]]

    UNCOMPARED = ('analysis',)

    def __init__(self, decision: str, reason: str, rules: tuple[str, ...], fingerprint: str,
                 policy_hash: str, matches: tuple[Match, ...] = (), suggest: str | None = None,
                 analysis: Sequence[dict[str, Any]] = ()) -> None:
        self.__dict__.update(decision=decision, reason=reason, rules=rules,
                             fingerprint=fingerprint, policy_hash=policy_hash, matches=matches,
                             suggest=suggest, analysis=analysis)

    @property
    def trigger(self) -> str | None:
        """The text that made this decision (the sub-command the dashboard marks)."""
        for m in self.matches:
            if m.decision == self.decision:
                return m.target
        return None

    @property
    def judged(self) -> str:
        """A digest of what the policy found (which rule on which command): a grant made for
        one set of findings does not carry over to another, even under the same fingerprint
        (an `npm run deploy` whose package.json script changed since)."""
        if not self.matches:
            return _NOTHING_FOUND
        found = sorted({(m.rule, m.decision, m.target) for m in self.matches})
        text = _COMPACT(found)
        return "sha256:" + hex_digest(text.encode("utf-8"))

    def to_json(self) -> dict[str, Any]:
        doc = {
            "decision": self.decision,
            "reason": self.reason,
            "rules": list(self.rules),
            "fingerprint": self.fingerprint,
            "policy_hash": self.policy_hash,
            "trigger": self.trigger,
            "judged": self.judged,
        }
        if self.suggest:
            doc["suggest"] = self.suggest
        return doc

    def json_line(self) -> str:
        """`to_json()` as one line of JSON, `json.dumps(self.to_json(), ensure_ascii=False)`'s
        text, written out (`policy test --jsonl` prints one per input: the encoder's pass over
        the mapping cost more than building it); any field not shaped as usual is encoded."""
        trigger, suggest, rules = self.trigger, self.suggest, self.rules
        said = _policy_text
        try:
            # (the reason is a rule's when rules decided, else it names the line: quoted anew)
            line = (f'{{"decision": {said(self.decision)}, '
                    f'"reason": {(said if rules else _quote)(self.reason)}, '
                    f'"rules": [{", ".join(map(said, rules))}], '
                    f'"fingerprint": {_quote(self.fingerprint)}, '
                    f'"policy_hash": {said(self.policy_hash)}, '
                    f'"trigger": {"null" if trigger is None else _quote(trigger)}, '
                    f'"judged": "{self.judged}"')  # ("sha256:" and hex digits: nothing to escape)
            return line + (f', "suggest": {said(suggest)}}}' if suggest else "}")
        except TypeError:  # not text where text is usual: the encoder says what it says
            return _LINE(self.to_json())


# (`judged` encodes tuples of strings it builds itself: never circular, so no check)
_COMPACT = one_shot_encoder(json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                                             check_circular=False))
# (`json_line`: a decision's own fields, never circular either)
_LINE = one_shot_encoder(json.JSONEncoder(ensure_ascii=False, check_circular=False))
_quote = encode_basestring  # a JSON string, as the encoder writes it without ASCII escaping
# `_quote` of a text the policy says (a decision, rule id, rule reason or suggestion, the policy
# hash): a few hundred texts, each on many lines, and quoting one cost more than looking it up
# (~2,700 instructions for a 71-character hash). Never a text from the line being decided.
_policy_text = lru_cache(maxsize=1024)(encode_basestring)
_NOTHING_FOUND = "sha256:" + hex_digest(b"[]")  # `judged` of no matches


class Described(Sequence["dict[str, Any]"]):
    """A decision's analysis, described only when someone reads it."""

    __slots__ = ("_describe", "_items")

    def __init__(self, describe: Callable[[], list[dict[str, Any]]]) -> None:
        self._describe: Callable[[], list[dict[str, Any]]] | None = describe
        self._items: tuple[dict[str, Any], ...] = ()

    def _all(self) -> tuple[dict[str, Any], ...]:
        if self._describe is not None:
            self._items = tuple(self._describe())
            self._describe = None
        return self._items

    if TYPE_CHECKING:
        @overload
        def __getitem__(self, index: int) -> dict[str, Any]: ...

        @overload
        def __getitem__(self, index: slice) -> Sequence[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | Sequence[dict[str, Any]]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._all())
