"""`approvald demo --no-tui`: the simulated session through the real hook and a real daemon."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from approvald.demo.agents import ALLOW, DENY, ERROR, simulated

pytestmark = pytest.mark.e2e


def run_demo(exe: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*exe, "demo", "--no-tui", "--speed", "20", *args],
                          capture_output=True, text=True, timeout=120)


def test_demo_session_allows_denies_and_waits_for_a_person(approvald_exe: list[str]) -> None:
    result = run_demo(approvald_exe, "--auto", "approve")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "-> ALLOW: npm test" in out
    assert "-> ALLOW: git status" in out
    assert re.search(r"-> DENY: \S+/webshop/\.env", out)
    assert re.search(r"waiting for a person: ap_\w+ git push origin main", out)
    assert re.search(r"waiting for a person: ap_\w+ terraform apply", out)
    assert "-> ALLOW: git push origin main" in out
    assert "-> ALLOW: terraform apply" in out
    assert "UNEXPECTED" not in out
    home = re.search(r"home (\S+), project (\S+)", out)
    assert home is not None
    assert not Path(home.group(1)).exists(), "the temporary home was not removed"
    assert not Path(home.group(2)).exists(), "the temporary project was not removed"


def test_demo_denied_pending_steps_end_as_deny(approvald_exe: list[str]) -> None:
    result = run_demo(approvald_exe, "--auto", "deny")
    assert result.returncode == 0, result.stdout + result.stderr
    # The person's words reach the agent.
    assert re.search(r"-> DENY: git push origin main \(.*denied by the demo", result.stdout)
    assert "-> DENY: terraform apply" in result.stdout


@pytest.mark.parametrize("agent", ["codex", "gemini", "cursor", "copilot"])
def test_demo_runs_each_agents_own_payloads(approvald_exe: list[str], agent: str) -> None:
    result = run_demo(approvald_exe, "--agent", agent, "--auto", "deny")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert f"{simulated(agent).display_name} runs the tests: shell npm test" in out
    assert "-> ALLOW: npm test" in out
    assert re.search(r"-> DENY: \S+/webshop/\.env", out)
    assert re.search(r"waiting for a person: ap_\w+ git push origin main", out)
    assert re.search(r"-> DENY: git push origin main \(.*denied by the demo", out)
    assert "UNEXPECTED" not in out


def test_claude_code_answers_as_claude_code_reads_them() -> None:
    claude = simulated("claude-code")
    assert claude.answer("", "", 0) == (ALLOW, "no objection")
    assert claude.answer("", "", 1)[0] == ERROR
    out = '{"hookSpecificOutput": {"permissionDecision": "deny", ' \
          '"permissionDecisionReason": "no"}}'
    assert claude.answer(out, "", 0) == (DENY, "no")
    assert claude.answer("garbage", "", 0)[0] == ERROR
