"""The organisation's managed layer: its rules survive every attempt of the user's and the
project's layers to loosen them; it may also allow; it can be pinned by hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from approvald.agents import get_agent
from approvald.paths import get_paths
from approvald.policy import ALLOW, DENY, REQUIRE_APPROVAL, PolicyError, load_engine
from approvald.policy.layers import bundle_hash, managed_files

CLAUDE_CODE = get_agent("claude-code")

MANAGED = """\
default: REQUIRE_APPROVAL
disable: [git-push]
rules:
  - id: org-no-prod-kubectl
    decision: DENY
    reason: Clusters are changed by CI only.
    match: {program: kubectl, args: [[delete, apply]]}
  - id: org-terraform-apply
    decision: REQUIRE_APPROVAL
    reason: Infrastructure changes need a second look.
    match: {program: terraform, args: [apply]}
  - id: org-allow-make
    decision: ALLOW
    reason: The team's build.
    match: {program: make}
"""
# Every way the user's layer might try to loosen it.
USER = """\
default: ALLOW
disable: [org-no-prod-kubectl, org-terraform-apply]
rules:
  - id: mine-kubectl
    decision: ALLOW
    reason: I know what I am doing.
    match: {program: kubectl}
  - id: mine-terraform
    decision: ALLOW
    reason: Mine.
    match: {program: terraform}
"""
PROJECT = """\
default: ALLOW
disable: [org-no-prod-kubectl]
rules:
  - id: proj-kubectl
    decision: ALLOW
    reason: The project says so.
    match: {program: kubectl}
"""
PROD = "kubectl --context=prod-eu delete deployment api"


def bash(command: str, cwd: str = "/home/dev/app") -> object:
    return CLAUDE_CODE.action({"session_id": "s1", "cwd": cwd, "tool_name": "Bash",
                               "tool_input": {"command": command}, "tool_use_id": "toolu_1",
                               "hook_event_name": "PreToolUse"})


@pytest.fixture
def managed(approvald_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "org-policies"
    directory.mkdir()
    (directory / "org.yaml").write_text(MANAGED)
    monkeypatch.setenv("APPROVALD_MANAGED_POLICIES", str(directory))
    return directory


def _user(text: str) -> None:
    policies = get_paths().policies
    policies.mkdir(parents=True, exist_ok=True)
    (policies / "mine.yaml").write_text(text)


def test_managed_rules_hold_against_the_user_layer(managed: Path) -> None:
    _user(USER)
    engine = load_engine(home="/home/dev")
    prod = engine.evaluate(bash(PROD))
    assert (prod.decision, prod.rules) == (DENY, ("org-no-prod-kubectl",))
    apply = engine.evaluate(bash("terraform apply -auto-approve"))
    assert apply.decision == REQUIRE_APPROVAL and "org-terraform-apply" in apply.rules
    # The user's ALLOW still allows what no managed rule gates.
    assert engine.evaluate(bash("kubectl get pods")).decision == ALLOW
    # The user's weaker default does not replace the managed one.
    assert engine.evaluate(bash("some-unknown-tool --x")).decision == REQUIRE_APPROVAL
    notes = "\n".join(engine.warnings)
    assert "disable of 'org-no-prod-kubectl' ignored" in notes
    assert "disable of 'org-terraform-apply' ignored" in notes
    assert "weaker than the managed default REQUIRE_APPROVAL" in notes


def test_managed_rules_hold_against_a_project_file(managed: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / ".approvald").mkdir(parents=True)
    (project / ".git").mkdir()
    (project / ".approvald" / "policy.yaml").write_text(PROJECT)
    engine = load_engine(home="/home/dev")
    decision = engine.evaluate(bash(PROD, str(project)))
    assert (decision.decision, decision.rules) == (DENY, ("org-no-prod-kubectl",))
    assert engine.evaluate(bash("unknown-tool", str(project))).decision == REQUIRE_APPROVAL


def test_a_project_cannot_reuse_a_managed_rule_id(managed: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / ".approvald").mkdir(parents=True)
    (project / ".approvald" / "policy.yaml").write_text(
        "rules:\n  - id: org-no-prod-kubectl\n    decision: REQUIRE_APPROVAL\n"
        "    reason: Softer.\n    match: {program: kubectl}\n")
    decision = load_engine(home="/home/dev").evaluate(bash(PROD, str(project)))
    assert decision.decision == DENY  # broken project file: a person decides, managed DENY holds
    assert "org-no-prod-kubectl" in decision.rules


def test_a_user_rule_cannot_take_a_managed_rule_id(managed: Path) -> None:
    _user("rules:\n  - id: org-no-prod-kubectl\n    decision: ALLOW\n    reason: Mine now.\n"
          "    match: {program: kubectl}\n")
    with pytest.raises(PolicyError, match="duplicate rule id 'org-no-prod-kubectl'"):
        load_engine(home="/home/dev")


def test_the_managed_layer_may_allow_and_disable(managed: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    engine = load_engine(home="/home/dev")
    make = engine.evaluate(bash("make test"))
    assert (make.decision, make.rules) == (ALLOW, ("org-allow-make",))
    # The starter asks before git push; the organisation switched that rule off.
    assert "git-push" not in engine.evaluate(bash("git push")).rules
    monkeypatch.delenv("APPROVALD_MANAGED_POLICIES")
    assert "git-push" in load_engine(home="/home/dev").evaluate(bash("git push")).rules


def test_a_stricter_user_default_is_kept(managed: Path) -> None:
    (managed / "org.yaml").write_text(
        MANAGED.replace("default: REQUIRE_APPROVAL", "default: ALLOW"))
    _user("default: DENY\n")
    engine = load_engine(home="/home/dev")
    assert engine.evaluate(bash("unknown-tool")).decision == DENY


def test_explain_names_each_rule_layer(managed: Path) -> None:
    _user(USER)
    engine = load_engine(home="/home/dev")
    assert engine.layer_of(str(managed / "org.yaml") + ":3") == "managed"
    assert engine.layer_of(str(get_paths().policies / "mine.yaml") + ":4") == "user"
    decision = engine.evaluate(bash("kubectl apply -f app.yaml"))
    layers = {m.rule: engine.layer_of(m.source) for m in decision.matches}
    assert layers["org-no-prod-kubectl"] == "managed"
    assert layers["mine-kubectl"] == "user"


def test_pinned_by_hash(managed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pin = bundle_hash(managed_files(managed))
    monkeypatch.setenv("APPROVALD_MANAGED_POLICIES_SHA256", pin)
    assert load_engine(home="/home/dev").managed_hash == pin
    (managed / "org.yaml").write_text(MANAGED.replace("decision: DENY", "decision: ALLOW"))
    with pytest.raises(PolicyError, match="the managed policies changed"):
        load_engine(home="/home/dev")
    (managed / "org.yaml").write_text(MANAGED)
    (managed / "extra.yaml").write_text("rules: []\n")  # a file added counts as a change
    with pytest.raises(PolicyError, match=f"pins {pin}"):
        load_engine(home="/home/dev")


def test_a_managed_directory_that_is_set_must_exist(managed: Path) -> None:
    for path in managed.iterdir():
        path.unlink()
    managed.rmdir()
    with pytest.raises(PolicyError, match="does not exist"):
        load_engine(home="/home/dev")


def test_config_toml_names_it_too(approvald_home: Path, tmp_path: Path) -> None:
    directory = tmp_path / "org"
    directory.mkdir()
    (directory / "org.yaml").write_text(MANAGED)
    (approvald_home / "config.toml").write_text(f'managed_policies = "{directory}"\n')
    assert get_paths().managed_policies == directory
    assert load_engine(home="/home/dev").evaluate(bash(PROD)).decision == DENY


def test_the_agent_may_not_write_the_managed_directory(managed: Path) -> None:
    engine = load_engine(home="/home/dev")
    decision = engine.evaluate(bash(f"echo 'rules: []' > {managed}/org.yaml"))
    assert decision.decision == DENY
    assert all(rule.startswith("self.") for rule in decision.rules)
