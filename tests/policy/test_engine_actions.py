"""The engine on non-shell actions, layering and the policy hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from approvald.agents import get_agent
from approvald.paths import get_paths
from approvald.policy import ALLOW, DENY, REQUIRE_APPROVAL, PolicyError, load_engine

CLAUDE_CODE = get_agent("claude-code")


def payload(tool: str, tool_input: dict, cwd: str = "/home/dev/app") -> dict:
    return {"session_id": "s1", "cwd": cwd, "tool_name": tool, "tool_input": tool_input,
            "tool_use_id": "toolu_1", "hook_event_name": "PreToolUse"}


@pytest.fixture
def engine(approvald_home: Path):
    return load_engine(home="/home/dev")


@pytest.mark.parametrize(
    ("tool", "tool_input", "expected", "rule"),
    [
        ("Read", {"file_path": ".env"}, DENY, "secrets-read-tool"),
        ("Read", {"file_path": "/home/dev/.ssh/id_ed25519"}, DENY, "secrets-read-tool"),
        ("Grep", {"pattern": "KEY", "path": ".env.production"}, DENY, "secrets-read-tool"),
        ("Edit", {"file_path": ".env", "old_string": "a", "new_string": "b"}, DENY,
         "secrets-read-tool"),
        ("Write", {"file_path": ".env", "content": "A=1"}, REQUIRE_APPROVAL,
         "secrets-overwrite"),
        ("Read", {"file_path": ".env.example"}, ALLOW, None),
        ("Read", {"file_path": "/home/dev/.ssh/id_rsa.pub"}, ALLOW, None),
        ("Write", {"file_path": ".claude/settings.json", "content": "{}"}, DENY,
         "self.agent-settings"),
        ("Edit", {"file_path": "/home/dev/.claude/settings.json", "old_string": "a",
                  "new_string": "b"}, DENY, "self.agent-settings"),
        ("Write", {"file_path": "/home/dev/.claude/plugins/cache/approvald-local/approvald/"
                                 "0.1.0/hooks/hooks.json", "content": "{}"}, DENY,
         "self.agent-settings"),
        ("Read", {"file_path": "src/app.py"}, ALLOW, None),
        ("WebFetch", {"url": "https://example.com", "prompt": "x"}, ALLOW, None),
        ("mcp__github__get_issue", {"number": 1}, ALLOW, None),
    ],
)
def test_decisions(engine, tool, tool_input, expected, rule) -> None:
    decision = engine.evaluate(CLAUDE_CODE.action(payload(tool, tool_input)))
    assert decision.decision == expected, decision.reason
    if rule:
        assert rule in decision.rules
    assert decision.reason.endswith(".")
    assert decision.fingerprint.startswith("sha256:") and len(decision.fingerprint) == 71


def test_state_directory_is_off_limits(engine, approvald_home: Path) -> None:
    token = get_paths().token_file
    decision = engine.evaluate(CLAUDE_CODE.action(payload("Read", {"file_path": str(token)})))
    assert decision.decision == DENY
    assert decision.rules == ("self.state",)


def test_user_layer_disables_and_adds(approvald_home: Path, tmp_path: Path) -> None:
    policies = get_paths().policies
    policies.mkdir(parents=True)
    (policies / "mine.yaml").write_text(
        "disable: [secrets-overwrite]\nrules:\n"
        "  - id: no-fetch-example\n    decision: DENY\n    reason: Not that site.\n"
        "    match: {url_host: '*.example.com'}\n")
    engine = load_engine(home="/home/dev")
    write = engine.evaluate(CLAUDE_CODE.action(payload("Write", {"file_path": ".env",
                                                                  "content": "x"})))
    assert write.decision == ALLOW
    fetch = engine.evaluate(CLAUDE_CODE.action(payload(
        "WebFetch", {"url": "https://api.example.com/x", "prompt": "p"})))
    assert fetch.decision == DENY and fetch.rules == ("no-fetch-example",)
    assert engine.policy_hash != load_engine(include_user=False).policy_hash


def test_self_protection_cannot_be_disabled(approvald_home: Path) -> None:
    policies = get_paths().policies
    policies.mkdir(parents=True)
    (policies / "evil.yaml").write_text("disable: [self.state]\n")
    with pytest.raises(PolicyError, match="cannot be disabled"):
        load_engine()


def _project(tmp_path: Path, policy: str) -> Path:
    """A repository with its own `.approvald/policy.yaml`."""
    project = tmp_path / "proj"
    (project / ".approvald").mkdir(parents=True)
    (project / ".git").mkdir()
    (project / ".approvald" / "policy.yaml").write_text(policy)
    return project


def test_project_layer_only_restricts(approvald_home: Path, tmp_path: Path) -> None:
    project = _project(
        tmp_path, "default: REQUIRE_APPROVAL\nrules:\n"
        "  - id: proj-allow-env\n    decision: ALLOW\n    reason: Let me.\n"
        "    match: {path: .env}\n"
        "  - id: proj-no-docs\n    decision: DENY\n    reason: Docs are frozen.\n"
        "    match: {kind: fs.write, path: 'docs/**'}\n")
    engine = load_engine(home="/home/dev")
    cwd = str(project / "sub")
    env = engine.evaluate(CLAUDE_CODE.action(payload("Read", {"file_path": ".env"}, cwd)))
    assert env.decision == DENY  # the project's ALLOW could not loosen the starter
    docs = engine.evaluate(CLAUDE_CODE.action(payload(
        "Write", {"file_path": str(project / "docs/a.md"), "content": "x"}, cwd)))
    assert docs.decision == DENY and docs.rules == ("proj-no-docs",)
    other = engine.evaluate(CLAUDE_CODE.action(payload("Read", {"file_path": "x.py"}, cwd)))
    assert other.decision == REQUIRE_APPROVAL  # the stricter project default applies
    assert other.policy_hash != engine.policy_hash
    assert any("may only restrict" in w for w in engine.warnings)
    outside = engine.evaluate(CLAUDE_CODE.action(payload("Read", {"file_path": "x.py"})))
    assert outside.decision == ALLOW


def test_broken_project_policy_asks_a_person(approvald_home: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / ".approvald").mkdir(parents=True)
    (project / ".approvald" / "policy.yaml").write_text("rules: [\n")
    engine = load_engine(home="/home/dev")
    decision = engine.evaluate(CLAUDE_CODE.action(payload("Read", {"file_path": "x"},
                                                           str(project))))
    assert decision.decision == REQUIRE_APPROVAL
    assert decision.rules == ("project-policy-error",)
    assert "policy.yaml:2" in decision.reason


def test_policy_hash_is_stable_and_sensitive(approvald_home: Path, tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("# comment\nrules:\n  - id: r\n    decision: DENY\n    reason: R.\n"
                 "    match: {program: git}\n")
    h1 = load_engine(files=[a]).policy_hash
    a.write_text("rules:\n  - id: r\n    decision: DENY\n    reason: R.\n"
                 "    match: {program: git}\n")
    assert load_engine(files=[a]).policy_hash == h1  # comments do not change the policy
    a.write_text("rules:\n  - id: r\n    decision: REQUIRE_APPROVAL\n    reason: R.\n"
                 "    match: {program: git}\n")
    assert load_engine(files=[a]).policy_hash != h1


@pytest.mark.parametrize("tool", ["Grep", "grep", "rg", "grep_search", "search_file_content"])
def test_every_agents_search_tool_over_home_is_denied(engine, tool: str) -> None:
    """Claude Code's and Cursor's Grep, Copilot CLI's grep / rg, Gemini CLI's grep_search."""
    from approvald.model.actions import build_action

    over_home = build_action(kind="fs.read", tool=tool, tool_input={"path": "/home/dev"},
                             agent="any", session_id="s1", cwd="/home/dev/app")
    decision = engine.evaluate(over_home)
    assert (decision.decision, decision.rules) == (DENY, ("secrets-search-home",))
    in_project = build_action(kind="fs.read", tool=tool, tool_input={"path": "src"},
                              agent="any", session_id="s1", cwd="/home/dev/app")
    assert engine.evaluate(in_project).decision == ALLOW


def test_a_deny_carries_its_rules_suggestion(engine, tmp_path: Path) -> None:
    decision = engine.evaluate(CLAUDE_CODE.action(payload("Read", {"file_path": ".env"})))
    assert decision.decision == DENY and "approvald exec" in (decision.suggest or "")
    assert decision.to_json()["suggest"] == decision.suggest
    allowed = engine.evaluate(CLAUDE_CODE.action(payload("Read", {"file_path": "src/a.py"})))
    assert allowed.suggest is None and "suggest" not in allowed.to_json()
    # A project's own rule may carry one too.
    project = _project(
        tmp_path, "rules:\n  - id: no-main-push\n    decision: DENY\n"
        "    reason: Main is protected.\n"
        "    suggest: Open a pull request from your branch.\n"
        "    match: {program: git, args: [push], any_arg: [main]}\n")
    pushed = engine.evaluate(CLAUDE_CODE.action(payload(
        "Bash", {"command": "git push origin main"}, cwd=str(project))))
    assert pushed.decision == DENY and pushed.suggest == "Open a pull request from your branch."
