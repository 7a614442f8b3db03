"""Issue 15: a deny says what the agent could do instead (the deciding rule's `suggest:`), from
the daemon, from a person's deny, and from the hook's own check when no daemon runs. Real hook
processes under a stand-in agent, the starter policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.daemon import (
    RunningDaemon,
    env_for,
    finish_hook,
    hook_payload,
    run_hook,
    start_hook,
)

pytestmark = pytest.mark.e2e


def test_a_policy_deny_says_what_to_do_instead(daemon: RunningDaemon) -> None:
    code, out, err = run_hook(daemon.exe, daemon.env, hook_payload("cat .env"))
    assert code == 0 and out is not None, err
    assert out["permissionDecision"] == "deny"
    reason = out["permissionDecisionReason"]
    assert " Instead: Use the credential without seeing it" in reason
    assert "approvald exec --lease ID" in reason


def test_a_persons_deny_keeps_their_words_and_the_suggestion(daemon: RunningDaemon) -> None:
    hook = start_hook(daemon.exe, daemon.env, hook_payload("terraform apply -auto-approve"))
    [pending] = daemon.wait_pending()
    assert daemon.cli("approvals", "deny", pending["id"], "--reason",
                      "not on a Friday").returncode == 0
    code, out = finish_hook(hook)
    assert code == 0 and out is not None and out["permissionDecision"] == "deny"
    reason = out["permissionDecisionReason"]
    assert "not on a Friday" in reason and "Instead: Run terraform plan" in reason


def test_without_a_daemon_the_deny_suggests_too(approvald_exe: list[str],
                                                approvald_home: Path) -> None:
    (approvald_home / "config.toml").write_text('no_daemon = "deny"\n')
    env = env_for(approvald_home)
    code, out, err = run_hook(approvald_exe, env, hook_payload("cat .env"))
    assert code == 0 and out is not None, err
    assert "Instead: Use the credential" in out["permissionDecisionReason"]
    code, out, err = run_hook(approvald_exe, env, hook_payload("git push origin main"))
    assert out is not None and out["permissionDecision"] == "deny", err
    assert "Instead: Leave the commits on a branch" in out["permissionDecisionReason"]
