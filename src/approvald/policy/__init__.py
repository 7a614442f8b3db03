"""The policy engine: YAML rule bundles in layers, evaluated against normalized actions.

Public surface::

    engine = load_engine()                 # starter + user's policies dir (+ project layers)
    engine = load_engine(files=[Path(...)])  # exactly these files (policy test --policy)
    decision = engine.evaluate(action)     # -> Decision
    engine.policy_hash                     # stable hash of the effective policy
"""

from approvald.policy.decision import (
    ALLOW,
    DECISIONS,
    DENY,
    REQUIRE_APPROVAL,
    Decision,
    Match,
)

__all__ = [
    "ALLOW",
    "DECISIONS",
    "DENY",
    "REQUIRE_APPROVAL",
    "Decision",
    "Match",
    "PolicyEngine",
    "PolicyError",
    "load_engine",
]


def __getattr__(name: str):  # lazy: importing the package must not load yaml/tree-sitter
    if name in ("PolicyEngine", "load_engine"):
        from approvald.policy import engine

        return getattr(engine, name)
    if name == "PolicyError":
        from approvald.policy.errors import PolicyError

        return PolicyError
    raise AttributeError(name)
