"""End to end through the real CLI, a real daemon and the real Secret Service (gnome-keyring).

set -> lease -> exec (value injected, redacted from stdout and stderr, raw and base64) -> single
use, revoke, expiry, session and program bindings -> audit records -> and finally no file under
APPROVALD_HOME holds the value.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.keyring,
              pytest.mark.skipif(sys.platform == "win32", reason="Secret Service is Linux's")]

CLI_TIMEOUT = 60


@dataclass
class Env:
    exe: list[str]
    home: Path
    env: dict[str, str]
    work: Path

    def run(self, *args: str, stdin: str | None = None, extra: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **(extra or {})}
        return subprocess.run([*self.exe, *args], input=stdin if stdin is not None else "",
                              capture_output=True, text=True, env=env, timeout=CLI_TIMEOUT,
                              cwd=cwd or self.work)


@pytest.fixture
def cli(approvald_home: Path, approvald_exe: list[str], secret_service_env: dict[str, str],
        tmp_path: Path) -> Env:
    env = {k: v for k, v in os.environ.items()
           if k not in ("APPROVALD_SESSION_ID", "CLAUDE_SESSION_ID")}
    env.update(secret_service_env)
    env["APPROVALD_HOME"] = str(approvald_home)
    return Env(approvald_exe, approvald_home, env, tmp_path)


def _wait_running(cli: Env, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"daemon exited {proc.returncode}: {log.read_text()[-2000:]}")
        if cli.run("status", "--json").returncode == 0:
            return
        time.sleep(0.2)
    pytest.fail(f"daemon did not answer within 30 s: {log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def daemon(cli: Env, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The real `approvald daemon`, which serves the lease routes itself."""
    log = tmp_path / "daemon.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen([*cli.exe, "daemon"], env=cli.env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_running(cli, proc, log)
        yield proc
    finally:
        _stop(proc)


def _files_holding(home: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in home.rglob("*"):
        if path.is_file() and not path.is_socket():
            data = path.read_bytes()
            found += [f"{path} holds {needle!r}" for needle in needles if needle in data]
    return found


def _audit_records(home: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((home / "audit").glob("audit*.jsonl")):
        records += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return records


def _lease(cli: Env, name: str, *flags: str) -> str:
    result = cli.run("lease", name, *flags, "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) >= {"lease_id", "name", "expires_at"} and doc["name"] == name
    return str(doc["lease_id"])


SHOW = 'echo "out: $VAR"; echo "$VAR" | base64; echo "err: $VAR" >&2; touch started'


def test_set_lease_exec_revoke_expire_and_no_value_on_disk(cli: Env, daemon: Any) -> None:
    name = f"E2E_{secrets.token_hex(4).upper()}"
    value = f"ghp_{secrets.token_hex(12)}/+="
    needles = [value.encode(), base64.b64encode(value.encode()),
               base64.b64encode(value.encode() + b"\n")]
    try:
        stored = cli.run("secrets", "set", name, "--description", "e2e token", stdin=value + "\n")
        assert stored.returncode == 0, stored.stderr
        assert value not in stored.stdout + stored.stderr
        listing = json.loads(cli.run("secrets", "list", "--json").stdout)["secrets"]
        assert [(s["name"], s["description"]) for s in listing] == [(name, "e2e token")]
        assert listing[0]["created_at"] and value not in json.dumps(listing)

        # exec: injected, redacted from stdout and stderr, raw and base64.
        lease = _lease(cli, name, "--ttl", "60")
        ran = cli.run("exec", "--lease", lease, "--env", "VAR", "--", "sh", "-c", SHOW)
        assert ran.returncode == 0, ran.stderr
        out_line, b64_line = ran.stdout.splitlines()
        assert out_line == f"out: [REDACTED:{name}]"
        # base64 of "value\n": the value's characters are gone; at most the group holding the
        # newline's own bits stays (4 characters).
        assert b64_line.startswith(f"[REDACTED:{name}]")
        assert len(b64_line) <= len(f"[REDACTED:{name}]") + 4
        assert not any(n.decode() in ran.stdout + ran.stderr for n in needles)
        assert ran.stderr == f"err: [REDACTED:{name}]\n"
        assert (cli.work / "started").exists()
        # The child really had the value (compared inside the child, never printed).
        same = cli.run("exec", "--lease", lease, "--env", "VAR", "--", "sh", "-c",
                       f'[ "$VAR" = "{value}" ] && echo same')
        assert same.stdout == "same\n"
        # The exit code comes through.
        assert cli.run("exec", "--lease", lease, "--env", "VAR", "--", "sh", "-c",
                       "exit 7").returncode == 7

        def refused(lease_id: str, expect: str, extra: dict[str, str] | None = None,
                    command: tuple[str, ...] = ("sh", "-c", SHOW)) -> None:
            (cli.work / "started").unlink(missing_ok=True)
            result = cli.run("exec", "--lease", lease_id, "--env", "VAR", "--", *command,
                             extra=extra)
            assert result.returncode == 1, (result.stdout, result.stderr)
            assert expect in result.stderr and result.stdout == ""
            assert not (cli.work / "started").exists(), "CMD must never start"

        # Single use.
        once = _lease(cli, name, "--ttl", "60", "--single-use")
        assert cli.run("exec", "--lease", once, "--env", "VAR", "--", "true").returncode == 0
        refused(once, "single use")

        # Revoke (the operator may give a prefix; exec needs the whole id).
        refused(lease[:12], "unknown lease")
        revoked = cli.run("lease", "revoke", lease[:12])
        assert revoked.returncode == 0, revoked.stderr
        refused(lease, "revoked")
        assert cli.run("lease", "revoke", lease).returncode == 1

        # Expiry.
        short = _lease(cli, name, "--ttl", "1")
        time.sleep(1.2)
        refused(short, "expired")

        # Session binding: APPROVALD_SESSION_ID, else CLAUDE_SESSION_ID.
        bound = _lease(cli, name, "--ttl", "60", "--session", "sess-A")
        refused(bound, "another agent session")
        refused(bound, "another agent session", {"APPROVALD_SESSION_ID": "sess-B"})
        for var in ("APPROVALD_SESSION_ID", "CLAUDE_SESSION_ID"):
            ok = cli.run("exec", "--lease", bound, "--env", "VAR", "--", "sh", "-c", SHOW,
                         extra={var: "sess-A"})
            assert ok.returncode == 0 and f"[REDACTED:{name}]" in ok.stdout, ok.stderr

        # Program binding.
        for_gh = _lease(cli, name, "--ttl", "60", "--for", "gh *")
        refused(for_gh, "only for commands matching 'gh *'")

        # Unknown lease.
        refused("ls_" + "0" * 24, "unknown lease")

        active = json.loads(cli.run("lease", "list", "--json").stdout)["leases"]
        assert {item["lease_id"] for item in active} == {bound, for_gh}

        # While the daemon runs (database, WAL, audit, logs all live): nowhere on disk.
        assert _files_holding(cli.home, needles) == []

        records = _audit_records(cli.home)
        events = [r.get("event") for r in records]
        for event in ("lease.created", "lease.used", "lease.revoked", "lease.expired",
                      "lease.refused", "secret.stored"):
            assert event in events, (event, events)
        used = [r for r in records if r.get("event") == "lease.used"]
        assert {r["lease_id"] for r in used} >= {lease, once, bound}
        verify = cli.run("audit", "verify")
        assert verify.returncode == 0, verify.stdout + verify.stderr

        # Removing the secret revokes its leases.
        gone = cli.run("secrets", "rm", name)
        assert gone.returncode == 0, gone.stderr
        refused(bound, "revoked", {"APPROVALD_SESSION_ID": "sess-A"})
        assert cli.run("secrets", "rm", name).returncode == 1
    finally:
        cli.run("secrets", "rm", name)
        _stop(daemon)
    # After the daemon stopped (WAL checkpointed, logs flushed): still nowhere on disk.
    assert _files_holding(cli.home, needles) == []
    assert any(p.name.startswith("approvald.db") for p in (cli.home / "state").iterdir())


def test_exec_without_daemon_refuses_and_never_starts(cli: Env) -> None:
    result = cli.run("exec", "--lease", "ls_whatever", "--env", "VAR", "--", "sh", "-c",
                     "touch started")
    assert result.returncode == 1
    assert "no daemon: start `approvald daemon`" in result.stderr
    assert not (cli.work / "started").exists()
    lease = cli.run("lease", "SOMETHING", "--ttl", "5")
    assert lease.returncode == 1 and "no daemon" in lease.stderr


def test_secrets_without_daemon_use_keyring_and_database(cli: Env) -> None:
    name = f"E2E_OFF_{secrets.token_hex(4).upper()}"
    value = f"offline-{secrets.token_hex(16)}"
    try:
        stored = cli.run("secrets", "set", name, stdin=value)
        assert stored.returncode == 0, stored.stderr
        listing = json.loads(cli.run("secrets", "list", "--json").stdout)["secrets"]
        assert [s["name"] for s in listing] == [name]
        human = cli.run("secrets", "list")
        assert name in human.stdout and value not in human.stdout
        assert _files_holding(cli.home, [value.encode()]) == []
        records = _audit_records(cli.home)
        assert [r["event"] for r in records] == ["secret.stored"]
        assert cli.run("secrets", "rm", name).returncode == 0
        assert json.loads(cli.run("secrets", "list", "--json").stdout)["secrets"] == []
    finally:
        cli.run("secrets", "rm", name)


def test_secret_value_never_from_argv_and_empty_refused(cli: Env) -> None:
    empty = cli.run("secrets", "set", "E2E_EMPTY", stdin="")
    assert empty.returncode == 1 and "empty" in empty.stderr
    extra = cli.run("secrets", "set", "E2E_ARGV", "the-value")
    assert extra.returncode == 2  # argparse: no positional value accepted


def test_a_lease_without_ttl_lives_the_default_ten_minutes(cli: Env, daemon: Any) -> None:
    name = f"E2E_{secrets.token_hex(4).upper()}"
    assert cli.run("secrets", "set", name, stdin="v\n").returncode == 0
    try:
        assert "is not a duration" in cli.run("lease", name, "--ttl", "ten").stderr
        lease = _lease(cli, name)
        shown = json.loads(cli.run("lease", "show", lease[:10], "--json").stdout)
        assert shown["ttl_s"] == 600
        assert json.loads(cli.run("lease", "show", _lease(cli, name, "--ttl", "1h30m"),
                                  "--json").stdout)["ttl_s"] == 5400
    finally:
        cli.run("secrets", "rm", name)
