"""A process that decides once compiles only the rules it meets, and only for rules known to
compile: the same decisions as compiling all of them, and a broken policy still refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from approvald.agents import get_agent
from approvald.policy import PolicyError
from approvald.policy.engine import load_engine
from approvald.policy.ruleset import _Later

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "claude_code.jsonl"
BROKEN = """version: 1
name: broken
rules:
  - id: odd-glob
    decision: DENY
    reason: never loads
    match: {program: "a{b"}
"""


def _later(engine: object) -> int:
    return sum(isinstance(e.predicate, _Later) for e in engine.base.entries)  # type: ignore[attr-defined]


def test_later_only_once_the_same_rules_compiled_and_then_the_same_decisions(
        approvald_home: Path) -> None:
    (approvald_home / "state").mkdir()
    first = load_engine(compile_later=True)  # nothing noted yet: every rule compiles now
    assert _later(first) == 0
    assert list((approvald_home / "state" / "policy-cache").glob("*.compiled"))
    later = load_engine(compile_later=True)
    assert _later(later) == len(later.base.entries) > 100
    assert _later(load_engine()) == 0  # by default, everything now
    agent = get_agent("claude-code")
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    for line in lines:
        action = agent.action(json.loads(line)["payload"])
        now, then = first.evaluate(action), later.evaluate(action)
        assert (then.decision, then.rules, then.reason) == (now.decision, now.rules, now.reason)
    # compiled: what the corpus met, not more, each now in its entry's place (no _Later between)
    assert 0 < len(later.base.entries) - _later(later) < len(later.base.entries)


def _index(engine: object) -> list[tuple[object, ...]]:
    return [(e.rule.id, e.classes, e.programs, e.gate, e.first_args, e.program_globs is None)
            for e in engine.base.entries]  # type: ignore[attr-defined]


def test_the_index_read_from_the_note_is_the_one_worked_out(approvald_home: Path) -> None:
    (approvald_home / "state").mkdir()
    first = load_engine(compile_later=True)
    later = load_engine(compile_later=True)
    assert _later(later) > 0 and _index(later) == _index(first)
    for now, then in zip(first.base.entries, later.base.entries, strict=True):
        if now.program_globs is not None:
            for name in ("python3", "python", "mkfs.ext4", "bash", "x"):
                assert then.program_globs.match(name) == now.program_globs.match(name)


@pytest.mark.parametrize("content", ["", "{}", "[[1, 2]]", '[["command", null]]', "not json"])
def test_a_note_not_shaped_as_written_compiles_now_and_is_written_again(
        approvald_home: Path, content: str) -> None:
    (approvald_home / "state").mkdir()
    first = load_engine(compile_later=True)
    [note] = (approvald_home / "state" / "policy-cache").glob("*.compiled")
    note.write_text(content)
    again = load_engine(compile_later=True)
    assert _later(again) == 0 and _index(again) == _index(first)
    assert _later(load_engine(compile_later=True)) == len(first.base.entries)


def test_a_policy_that_does_not_compile_never_loads(approvald_home: Path) -> None:
    (approvald_home / "state").mkdir()
    (approvald_home / "policies").mkdir()
    (approvald_home / "policies" / "broken.yaml").write_text(BROKEN)
    for _ in range(2):
        with pytest.raises(PolicyError, match="a\\{b"):
            load_engine(compile_later=True)
    assert not list((approvald_home / "state" / "policy-cache").glob("*.compiled"))


def test_a_change_to_the_rules_is_compiled_now_again(approvald_home: Path) -> None:
    (approvald_home / "state").mkdir()
    (approvald_home / "policies").mkdir()
    mine = approvald_home / "policies" / "mine.yaml"
    mine.write_text(BROKEN.replace('"a{b"', "npm"))
    load_engine(compile_later=True)
    assert _later(load_engine(compile_later=True)) > 0
    mine.write_text(BROKEN)
    with pytest.raises(PolicyError):
        load_engine(compile_later=True)


def test_a_rule_failing_to_compile_later_is_a_deny_in_the_hook(
        approvald_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only a wrong note could get here (the state directory is the agent's to leave alone):
    # the hook still answers deny, as for a policy that does not load.
    from approvald.hook.local import local_verdict

    (approvald_home / "state").mkdir()
    (approvald_home / "policies").mkdir()
    (approvald_home / "policies" / "broken.yaml").write_text(
        BROKEN.replace('{program: "a{b"}', '{kind: fs.read, path: "/x/a{b"}'))
    monkeypatch.setattr("approvald.policy.engine.compiled_index", lambda *_: [])
    monkeypatch.setattr("approvald.policy.engine.usable_index", lambda *_: True)
    payload = {"session_id": "s", "cwd": "/tmp", "hook_event_name": "PreToolUse",
               "tool_name": "Read", "tool_input": {"file_path": "/x/abc"}}
    verdict = local_verdict(get_agent("claude-code"), payload, "no daemon")
    assert verdict.permission == "deny"
    assert "the policy does not load" in verdict.reason and "a{b" in verdict.reason
