"""Issue 15: a leased value printed by a command is replaced in the tool's output before Claude
Code's model reads it, with a daemon and without one. Real CLI, real Secret Service, real
`approvald hook claude-code PostToolUse` processes under a stand-in agent."""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.daemon import RunningDaemon, env_for, run_raw
from tests.support.payloads import bash_response, claude_post_tool_use, read_response

pytestmark = [pytest.mark.e2e, pytest.mark.keyring,
              pytest.mark.skipif(sys.platform == "win32", reason="Secret Service is Linux's")]


def _cli(exe: list[str], env: dict[str, str], *args: str,
         stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*exe, *args], input=stdin, env=env, capture_output=True, text=True,
                          timeout=60)


def _redacted(exe: list[str], env: dict[str, str],
              payload: dict[str, object]) -> dict[str, object]:
    code, out, err = run_raw(exe, env, json.dumps(payload).encode(), event="PostToolUse")
    assert code == 0, err
    doc = json.loads(out)
    updated = doc["hookSpecificOutput"]["updatedToolOutput"]
    assert isinstance(updated, dict)
    return updated


def test_a_leased_value_never_reaches_the_model(approvald_exe: list[str], approvald_home: Path,
                                                secret_service_env: dict[str, str]) -> None:
    env = env_for(approvald_home, **secret_service_env)
    value = "pw-" + secrets.token_hex(12)  # no secret shape: only knowing it finds it
    assert _cli(approvald_exe, env, "secrets", "set", "DEPLOY_PW", stdin=value).returncode == 0
    encoded = base64.b64encode(value.encode()).decode()
    bash = claude_post_tool_use("Bash", {"command": "cat deploy.conf; base64 deploy.conf"},
                                bash_response(f"password {value}\n{encoded}\n"))
    read = claude_post_tool_use("Read", {"file_path": "/srv/app/deploy.conf"},
                                read_response("/srv/app/deploy.conf", f"db_pass {value}\n"))

    daemon = RunningDaemon(approvald_exe, approvald_home, **secret_service_env).start()
    try:
        lease = _cli(approvald_exe, env, "lease", "DEPLOY_PW", "--ttl", "600", "--json")
        assert lease.returncode == 0, lease.stderr
        updated = _redacted(approvald_exe, env, bash)
        assert updated["stdout"] == "password [REDACTED:DEPLOY_PW]\n[REDACTED:DEPLOY_PW]\n"
        file = _redacted(approvald_exe, env, read)["file"]
        assert isinstance(file, dict) and file["content"] == "db_pass [REDACTED:DEPLOY_PW]\n"
    finally:
        assert daemon.stop() == 0, daemon.log()
    # No daemon: the hook reads the active lease and its value itself.
    updated = _redacted(approvald_exe, env, bash)
    assert updated["stdout"] == "password [REDACTED:DEPLOY_PW]\n[REDACTED:DEPLOY_PW]\n"

    records = [json.loads(line) for line in
               (approvald_home / "audit" / "audit.jsonl").read_text().splitlines()]
    redacted = [r for r in records if r["event"] == "output.redacted"]
    assert [(r["kinds"], r.get("mode")) for r in redacted] == [
        ({"DEPLOY_PW": 2}, None), ({"DEPLOY_PW": 1}, None), ({"DEPLOY_PW": 2}, "local")]
    for path in approvald_home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert value.encode() not in data and encoded.encode() not in data, path
