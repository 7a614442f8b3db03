"""`overrides:` — an ALLOW rule that silences named REQUIRE_APPROVAL rules where it matches.

Every matching rule votes and the strongest wins, so a plain ALLOW can never lift a starter
rule's REQUIRE_APPROVAL. A rule written from an approval ("allow commands like this",
approvald.policy.propose) names the rules that asked for the person instead:

    - id: allow-git-push-origin-feature
      decision: ALLOW
      reason: Approved as a rule from ap_3f9a...
      overrides: [git-push]
      match: {program: git, args_exact: [push, origin, "feature/*"], cwd: /home/me/shop}

On a command (a target) this rule matches, the REQUIRE_APPROVAL votes of `git-push` are dropped;
every other rule still votes, and a DENY is never dropped. A rule may silence rules of the
starter and user layers (and of files given with --policy); the organisation's managed rules
only another managed rule, self-protection and project rules nothing. Rules that judge a shell
line as a whole (`pipe_to_shell`, `content`, `reads`/`writes` of redirections, ...) cannot be
silenced by a rule about one of its commands.
"""

from __future__ import annotations

from collections.abc import Callable

from approvald.policy import layers
from approvald.policy.builtin import SELF_PREFIX
from approvald.policy.decision import REQUIRE_APPROVAL, Match
from approvald.policy.index import COMMAND, LINE, target_classes
from approvald.policy.loader import RawBundle

# Layers whose rules an overriding rule of that layer may silence.
_MAY_SILENCE = {
    layers.USER: frozenset({layers.STARTER, layers.USER}),
    layers.GIVEN: frozenset({layers.STARTER, layers.USER, layers.GIVEN}),
    layers.MANAGED: frozenset({layers.STARTER, layers.USER, layers.MANAGED}),
}


class Overrides:
    def __init__(self, bundles: list[RawBundle], layer_of: Callable[[str], str],
                 warnings: list[str]) -> None:
        self._layer = {rule.id: layer_of(bundle.file) for bundle in bundles
                       for rule in bundle.rules}
        self._whole_line = {rule.id for bundle in bundles for rule in bundle.rules
                            if LINE in target_classes(rule.match)}
        self._silences: dict[str, frozenset[str]] = {}
        for bundle in bundles:
            layer = layer_of(bundle.file)
            for rule in bundle.rules:
                kept = []
                on_commands = COMMAND in target_classes(rule.match) if rule.overrides else False
                for target in rule.overrides:
                    why = self.refusal(target, layer, on_commands)
                    if why is not None:
                        note = (f"{rule.source}: override of {target!r} ignored ({why}; see "
                                "`approvald policy check`)")
                        if note not in warnings:
                            warnings.append(note)
                        continue
                    kept.append(target)
                if kept:
                    self._silences[rule.id] = frozenset(kept)

    def refusal(self, rule_id: str, layer: str = layers.USER,
                on_commands: bool = True) -> str | None:
        """Why a rule of `layer` may not silence `rule_id` (None: it may). `on_commands`: the
        silencing rule matches shell commands, whose text a whole line can share (a line of
        one command), so a rule that judges whole lines stays out of its reach."""
        found = self._layer.get(rule_id)
        if found is None:
            return ("approvald's self-protection" if rule_id.startswith(SELF_PREFIX)
                    else "no such rule")
        if found not in _MAY_SILENCE.get(layer, frozenset()):
            return f"a {found} rule"
        if on_commands and rule_id in self._whole_line:
            return "it judges a shell line as a whole"
        return None

    def __bool__(self) -> bool:
        return bool(self._silences)

    def apply(self, matches: list[Match]) -> list[Match]:
        """`matches` less the REQUIRE_APPROVAL votes silenced on each target by an overriding
        rule that matched that same target."""
        if not self._silences:
            return matches
        silenced: dict[str, set[str]] = {}
        for match in matches:
            rules = self._silences.get(match.rule)
            if rules:
                silenced.setdefault(match.target, set()).update(rules)
        if not silenced:
            return matches
        return [m for m in matches if not (m.decision == REQUIRE_APPROVAL
                                           and m.rule in silenced.get(m.target, ()))]
