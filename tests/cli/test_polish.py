"""The command line in daily use: "did you mean", completion for three shells, durations,
examples in --help, no traceback when the reader stops early, who decided in `audit tail`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from approvald.cli.output import duration
from tests.support.daemon import RunningDaemon

pytestmark = pytest.mark.e2e


def _run(exe: list[str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*exe, *args], capture_output=True, text=True, timeout=60,
                          input=stdin, env=dict(os.environ))


@pytest.mark.parametrize(("args", "hint"), [
    (["aprovals", "list"], "did you mean 'approvals'?"),
    (["approvals", "lst"], "did you mean 'list'?"),
    (["policy", "tset"], "did you mean 'test'?"),
    (["policy", "test", "--jsnl"], "did you mean '--jsonl'?"),
    (["install", "claude"], "did you mean 'claude-code'?"),
    # An abbreviated option is refused, not read as the option it starts: the dashboard reads
    # `approvald lease ... --ttl` from the command line exactly as written.
    (["lease", "GH", "--tt", "30d"], "did you mean '--ttl'?"),
])
def test_a_mistyped_word_gets_a_suggestion(approvald_exe: list[str], approvald_home: Path,
                                           args: list[str], hint: str) -> None:
    result = _run(approvald_exe, *args)
    assert result.returncode == 2
    assert hint in result.stderr and "Traceback" not in result.stderr


def test_help_shows_examples(approvald_exe: list[str]) -> None:
    for command in ("approvals", "lease", "exec", "audit", "install", "doctor", "secrets",
                    "policy", "completion"):
        shown = _run(approvald_exe, command, "--help")
        assert shown.returncode == 0 and "examples:" in shown.stdout, command
    assert "examples:" in _run(approvald_exe, "--help").stdout


def _bash_complete(script: str, line: str) -> list[str]:
    words = line.split(" ")
    program = (f"{script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)}); "
               f"COMP_CWORD={len(words) - 1}; _approvald; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completion_completes_commands_subcommands_and_flags(
        approvald_exe: list[str]) -> None:
    script = _run(approvald_exe, "completion", "bash").stdout
    assert _bash_complete(script, "approvald appr") == ["approvals"]
    assert {"list", "approve", "deny", "revoke", "grants"} <= set(
        _bash_complete(script, "approvald approvals "))
    assert "--session" in _bash_complete(script, "approvald approvals approve ap_1 --")
    assert "claude-code" in _bash_complete(script, "approvald install c")
    assert "--jsonl" in _bash_complete(script, "approvald policy test --j")


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completion_offers_the_same_words(approvald_exe: list[str], tmp_path: Path) -> None:
    script = tmp_path / "_approvald"
    script.write_text(_run(approvald_exe, "completion", "zsh").stdout)
    # compadd/_describe stand in for zsh's completion system: what would be offered is printed.
    program = (f"compdef() {{}}; source {script}; "
               "compadd() { shift; print -r -- \"$*\"; }; "
               "_describe() { print -r -- \"${(P)2}\"; }; "
               "words=(approvald approvals approve ''); CURRENT=4; _approvald; "
               "words=(approvald ''); CURRENT=2; _approvald")
    done = subprocess.run(["zsh", "-c", program], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "--session" in done.stdout and "approvals:list, approve and deny" in done.stdout


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completion_offers_the_same_words(approvald_exe: list[str], tmp_path: Path) -> None:
    script = tmp_path / "approvald.fish"
    script.write_text(_run(approvald_exe, "completion", "fish").stdout)
    done = subprocess.run(["fish", "-c", f"source {script}; complete -C 'approvald approvals '"
                           "; complete -C 'approvald approvals approve --'"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "revoke\twithdraw a standing grant" in done.stdout and "--session" in done.stdout


def test_durations_read_like_a_person_writes_them() -> None:
    assert duration("90") == 90 and duration("90s") == 90 and duration("10m") == 600
    assert duration("1h30m") == 5400 and duration("2d") == 172800 and duration("1.5h") == 5400
    for bad in ("10 minutes", "m", "-5", "0", "1h-3m", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            duration(bad)


def test_a_reader_that_stops_early_is_no_traceback(approvald_exe: list[str],
                                                    approvald_home: Path,
                                                    tmp_path: Path) -> None:
    line = json.dumps({"kind": "process.exec", "cwd": "/tmp", "input": {"command": "ls"}})
    actions = tmp_path / "actions.jsonl"
    actions.write_text((line + "\n") * 5000)  # far more output than a pipe holds
    proc = subprocess.Popen([*approvald_exe, "policy", "test", "--jsonl", str(actions)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    assert json.loads(proc.stdout.readline())["decision"] == "ALLOW"
    proc.stdout.close()  # `| head -1`
    assert proc.wait(60) == 141
    assert proc.stderr.read() == ""


def test_audit_tail_shows_the_outcome_and_who_decided(daemon: RunningDaemon) -> None:
    asked = daemon.client().call("POST", "/v1/decide", {"wait": False, "action": {
        "kind": "process.exec", "tool": "Bash", "agent": "claude-code", "session_id": "s",
        "cwd": "/tmp", "input": {"command": "git push origin main"}}}, operator=False)
    assert daemon.cli("approvals", "deny", asked["approval_id"], "--reason",
                      "use a PR").returncode == 0
    lines = daemon.cli("audit", "tail").stdout.splitlines()
    decided = next(line for line in lines if "approval.decided" in line)
    assert f"DENIED {asked['approval_id']}" in decided and " cli " in decided
    assert "[cli wrote: use a PR]" in decided
    first = next(line for line in lines if line.split()[1:2] == ["decision"])
    assert f"REQUIRE_APPROVAL -> {asked['approval_id']}" in first and " policy " in first


def test_a_file_where_the_daemon_keeps_a_directory_is_a_clear_error(
        approvald_exe: list[str], approvald_home: Path) -> None:
    approvald_home.mkdir(parents=True, exist_ok=True)
    (approvald_home / "log").write_text("a file the user put here\n")
    result = _run(approvald_exe, "daemon")
    assert result.returncode == 1
    assert "approvald daemon: cannot create" in result.stderr and "log" in result.stderr
    assert "Traceback" not in result.stderr
    assert (approvald_home / "log").read_text() == "a file the user put here\n"  # kept
