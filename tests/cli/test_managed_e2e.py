"""The managed layer through the real CLI and a real daemon: `paths` shows it, `policy explain`
names each rule's layer, `policy check` prints the hash to pin, the hook holds a managed DENY
against the user's ALLOW, and a pinned managed policy that changes does not load."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.daemon import RunningDaemon, env_for, hook_payload, run_hook
from tests.support.otlp import OtlpReceiver

pytestmark = pytest.mark.e2e

ORG = """\
rules:
  - id: org-no-cluster-changes
    decision: DENY
    reason: Clusters are changed by CI only.
    match: {program: kubectl, args: [[delete, apply]]}
"""
USER = """\
disable: [org-no-cluster-changes]
rules:
  - id: mine-kubectl
    decision: ALLOW
    reason: Mine.
    match: {program: kubectl}
"""
DELETE = "kubectl delete deployment api"


@pytest.fixture
def org(approvald_home: Path, tmp_path: Path) -> Path:
    directory = tmp_path / "org"
    directory.mkdir()
    (directory / "org.yaml").write_text(ORG)
    (approvald_home / "policies").mkdir()
    (approvald_home / "policies" / "mine.yaml").write_text(USER)
    return directory


def _cli(exe: list[str], home: Path, *args: str, stdin: str = "",
         **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*exe, *args], input=stdin, capture_output=True, text=True, timeout=60,
                          env=env_for(home, **env))


def test_paths_explain_and_check(approvald_exe: list[str], approvald_home: Path,
                                 org: Path) -> None:
    plain = json.loads(_cli(approvald_exe, approvald_home, "paths", "--json").stdout)
    assert "managed_policies" not in plain
    env = {"APPROVALD_MANAGED_POLICIES": str(org)}
    shown = json.loads(_cli(approvald_exe, approvald_home, "paths", "--json", **env).stdout)
    assert shown["managed_policies"] == str(org)

    payload = hook_payload(DELETE).decode()
    explained = _cli(approvald_exe, approvald_home, "policy", "explain", "--from",
                     "claude-code", stdin=payload, **env)
    assert explained.returncode == 0, explained.stderr
    out = explained.stdout
    assert f"org-no-cluster-changes -> DENY (managed layer, {org / 'org.yaml'}:2)" in out
    assert "mine-kubectl -> ALLOW (user layer, " in out
    assert "kubectl-mutate -> REQUIRE_APPROVAL (starter layer, " in out
    assert "disable of 'org-no-cluster-changes' ignored" in out
    assert "Decision    DENY: Clusters are changed by CI only." in out
    as_json = json.loads(_cli(approvald_exe, approvald_home, "policy", "explain", "--json",
                              "--from", "claude-code", stdin=payload, **env).stdout)
    assert {m["rule"]: m["layer"] for m in as_json["matches"]}["org-no-cluster-changes"] == \
        "managed"

    check = json.loads(_cli(approvald_exe, approvald_home, "policy", "check", "--json",
                            **env).stdout)
    pin = check["managed_policies"]["sha256"]
    assert check["managed_policies"]["dir"] == str(org) and pin.startswith("sha256:")
    pinned = {**env, "APPROVALD_MANAGED_POLICIES_SHA256": pin}
    assert _cli(approvald_exe, approvald_home, "policy", "check", **pinned).returncode == 0
    (org / "org.yaml").write_text(ORG.replace("DENY", "ALLOW"))
    changed = _cli(approvald_exe, approvald_home, "policy", "check", **pinned)
    assert changed.returncode == 1
    assert "the managed policies changed" in changed.stderr and pin in changed.stderr


def test_the_hook_holds_a_managed_deny_and_a_changed_pinned_policy_is_noticed(
        approvald_exe: list[str], approvald_home: Path, org: Path) -> None:
    check = _cli(approvald_exe, approvald_home, "policy", "check", "--json",
                 APPROVALD_MANAGED_POLICIES=str(org))
    pin = json.loads(check.stdout)["managed_policies"]["sha256"]
    with OtlpReceiver() as receiver:
        daemon = RunningDaemon(approvald_exe, approvald_home, APPROVALD_MANAGED_POLICIES=str(org),
                               APPROVALD_MANAGED_POLICIES_SHA256=pin,
                               APPROVALD_DOCTOR_WATCH="0", OTEL_BLRP_SCHEDULE_DELAY="50",
                               OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url).start()
        try:
            payload = hook_payload(DELETE)
            _, out, _ = run_hook(approvald_exe, daemon.env, payload)
            assert out is not None and out["permissionDecision"] == "deny"
            assert "Clusters are changed by CI only." in out["permissionDecisionReason"]
            # The agent's own attempt to edit the organisation's policy is refused.
            _, edit, _ = run_hook(approvald_exe, daemon.env, hook_payload(
                f"echo 'rules: []' > {org}/org.yaml"))
            assert edit is not None and edit["permissionDecision"] == "deny"

            (org / "org.yaml").write_text(ORG.replace("DENY", "ALLOW"))  # someone else changes it
            status = _wait_status(daemon, lambda s: s["policy_error"] is not None)
            assert "the managed policies changed" in status["policy_error"]
            _, still, _ = run_hook(approvald_exe, daemon.env, payload)
            assert still is not None and still["permissionDecision"] == "deny"
            # The team's collector hears of it too, and of the denial, naming the managed rule.
            records = receiver.wait_for(lambda r: any(
                x["event_name"] == "approvald.policy.error" for x in r))
            error = next(r for r in records if r["event_name"] == "approvald.policy.error")
            assert "the managed policies changed" in error["attributes"]["approvald.error"]
            assert error["severity_text"] == "WARN"
            denied = [r for r in records if r["event_name"] == "approvald.decision"
                      and r["attributes"]["approvald.decision"] == "DENY"]
            assert "org-no-cluster-changes" in denied[0]["attributes"]["approvald.rules"]
        finally:
            daemon.ensure_stopped()


def _wait_status(daemon: RunningDaemon, condition: object, timeout: float = 20.0) -> dict:
    import time

    deadline = time.monotonic() + timeout
    while True:
        status = daemon.client().status()
        if condition(status):  # type: ignore[operator]
            return status
        assert time.monotonic() < deadline, f"status never changed: {status}"
        time.sleep(0.1)


def test_without_a_daemon_the_hook_holds_it_too(approvald_exe: list[str],
                                                 approvald_home: Path, org: Path) -> None:
    env = env_for(approvald_home, APPROVALD_MANAGED_POLICIES=str(org))
    env.pop("APPROVALD_SOCKET", None)
    assert not os.path.exists(approvald_home / "run" / "approvald.sock")
    _, out, _ = run_hook(approvald_exe, env, hook_payload(DELETE))
    assert out is not None and out["permissionDecision"] == "deny"


def test_a_daemon_that_starts_with_a_changed_pinned_policy_allows_nothing(
        approvald_exe: list[str], approvald_home: Path, org: Path) -> None:
    daemon = RunningDaemon(approvald_exe, approvald_home, APPROVALD_MANAGED_POLICIES=str(org),
                           APPROVALD_MANAGED_POLICIES_SHA256="sha256:" + "0" * 64,
                           APPROVALD_DOCTOR_WATCH="0").start()
    try:
        assert "the managed policies changed" in daemon.client().status()["policy_error"]
        _, out, _ = run_hook(approvald_exe, daemon.env, hook_payload("ls"))
        assert out is not None and out["permissionDecision"] == "deny"
        assert "the managed policies changed" in out["permissionDecisionReason"]
    finally:
        daemon.ensure_stopped()


def test_check_refuses_a_user_override_of_a_managed_rule(approvald_exe: list[str],
                                                         approvald_home: Path, org: Path) -> None:
    # The engine ignores such an override (the user's layer cannot loosen the managed one);
    # check judges it with the engine's own rule, so it reports it instead of passing it.
    (approvald_home / "policies" / "mine.yaml").write_text(
        "rules:\n  - id: mine-undo\n    decision: ALLOW\n    reason: mine.\n"
        "    overrides: [org-no-cluster-changes]\n    match: {program: kubectl}\n")
    check = _cli(approvald_exe, approvald_home, "policy", "check",
                 APPROVALD_MANAGED_POLICIES=str(org))
    assert check.returncode == 1
    assert "cannot override 'org-no-cluster-changes': a managed rule" in check.stderr
