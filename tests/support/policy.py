"""Policy layers for tests: an organisation's managed directory holding one rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def managed_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule_id: str,
                 match: str, decision: str = "REQUIRE_APPROVAL") -> Path:
    """A managed directory (APPROVALD_MANAGED_POLICIES) whose one rule is `rule_id`."""
    managed = tmp_path / "managed"
    managed.mkdir(exist_ok=True)
    (managed / "org.yaml").write_text(
        f"rules:\n  - id: {rule_id}\n    decision: {decision}\n"
        f"    reason: The organisation decides.\n    match: {match}\n")
    monkeypatch.setenv("APPROVALD_MANAGED_POLICIES", str(managed))
    return managed


def decide(engine: Any, command: str, cwd: str = "/home/dev/app") -> Any:
    """The engine's decision on a shell line run in `cwd`."""
    from approvald.model.actions import action_from_json

    return engine.evaluate(action_from_json(
        {"kind": "process.exec", "cwd": cwd, "input": {"command": command}}))
