"""Input that is not text at the CLI's entries, each through a real `approvald` process: an
argument that is not UTF-8, a secret's value on stdin that is not, and an agent's config file
holding a lone surrogate escape or bytes that are not UTF-8 (`install`, `doctor`). Each ends in
a clear one-line error (or, for the doctor, a finding shown as the file spells it), with no
traceback, and nothing written."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from approvald.agents import get_agent
from tests.support.badtext import ENCODED, ESCAPE, INVALID, KINDS, NAMED, bad_json
from tests.support.daemon import cli_argv, env_for

pytestmark = pytest.mark.e2e

ODD = b"\xff"  # an argument byte that is not UTF-8

# Commands that send an argument to the daemon, the keyring or the policy as text.
ARGV = {
    "approvals-deny": [b"approvals", b"deny", b"abc", b"--reason", b"no" + ODD],
    "approvals-approve": [b"approvals", b"approve", b"ab" + ODD],
    "lease": [b"lease", b"name" + ODD, b"--ttl", b"60"],
    "lease-revoke": [b"lease", b"revoke", b"ls_" + ODD],
    "exec-command": [b"exec", b"--lease", b"ls_x", b"--env", b"V", b"--", b"echo", ODD],
    "exec-lease": [b"exec", b"--lease", b"ls_" + ODD, b"--env", b"V", b"--", b"true"],
    "secrets-set-description": [b"secrets", b"set", b"name", b"--description", ODD],
    "policy-explain": [b"policy", b"explain", b"-c", b"rm -rf / " + ODD],
}


def _run(args: list[bytes], env: dict[str, str], stdin: bytes = b"",
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    words = [os.fsencode(word) for word in cli_argv()]
    proc = subprocess.run([*words, *args], input=stdin, env=env, capture_output=True,
                          timeout=60, cwd=cwd)
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))


@pytest.mark.parametrize("args", list(ARGV.values()), ids=list(ARGV))
def test_an_argument_that_is_not_utf8_is_refused_in_one_line(
        args: list[bytes], approvald_home: Path) -> None:
    done = _run(args, env_for(approvald_home))
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and "is not UTF-8 text" in done.stderr, done.stderr
    assert "\\xff" in done.stderr  # which argument, as its bytes


@pytest.mark.parametrize("value", [b"va\xfflue\n", b"va\xed\xb3\xbflue\n"],
                         ids=["invalid-utf8", "encoded-surrogate"])
def test_a_secret_value_that_is_not_utf8_is_refused_and_nothing_stored(
        value: bytes, approvald_home: Path) -> None:
    done = _run([b"secrets", b"set", b"token"], env_for(approvald_home), stdin=value)
    assert done.returncode == 2, done
    assert done.stderr.startswith("approvald secrets: the value on stdin is not UTF-8 text")
    assert done.stderr.count("\n") == 1 and "nothing stored" in done.stderr


@pytest.fixture
def user_env(approvald_home: Path, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "home").mkdir()
    (tmp_path / "project").mkdir()
    return env_for(approvald_home, HOME=str(tmp_path / "home"))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("agent", ["claude-code", "codex", "gemini", "cursor", "copilot"])
def test_install_refuses_a_settings_file_that_is_not_text_and_leaves_it_alone(
        agent: str, kind: str, user_env: dict[str, str], tmp_path: Path) -> None:
    hooks = get_agent(agent).install
    assert hooks is not None
    scope = "user" if "user" in hooks.scopes else "project"
    target = hooks.settings_file(scope, tmp_path / "project", user_env)
    target.parent.mkdir(parents=True, exist_ok=True)
    original = bad_json(lambda text: {"env": {"NOTE": text}, "hooks": {}}, kind)
    target.write_bytes(original)
    done = _run([b"install", agent.encode(), b"--scope", scope.encode()], user_env,
                cwd=tmp_path / "project")
    assert done.returncode == 1, done
    assert done.stderr.count("\n") == 1 and "nothing was written" in done.stderr, done.stderr
    assert NAMED[kind] in done.stderr or "utf-8" in done.stderr, done.stderr
    assert target.read_bytes() == original
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no backup


@pytest.mark.parametrize("kind", [ESCAPE, ENCODED, INVALID])
def test_the_doctor_reads_a_settings_file_that_is_not_text_without_crashing(
        kind: str, user_env: dict[str, str], tmp_path: Path) -> None:
    """A lone surrogate escape is JSON the agent reads (Node takes it): its rules are still
    checked, shown as the file spells them; bytes that are not UTF-8 are a finding. Printed to
    a stdout that refuses surrogates (a UTF-8 locale), as well as with --json."""
    settings = tmp_path / "home" / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_bytes(bad_json(lambda text: {"permissions": {"allow": [f"Bash({text})"]}},
                                  kind, text="rm "))
    env = {**user_env, "PYTHONIOENCODING": "utf-8:strict"}
    for extra in ([], [b"--json"]):
        done = _run([b"doctor", b"--project", os.fsencode(tmp_path / "project"), *extra], env)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        if kind == ESCAPE:
            assert "Bash(rm \\udcff)" in done.stdout.replace("\\\\", "\\"), done.stdout
        else:
            assert "Cannot read settings.json: it is not UTF-8 text" in done.stdout
