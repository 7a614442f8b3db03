"""Credentials for upstreams from leases (`{lease:ID}` in --env and --header values), resolved
through the daemon from the real Secret Service, and redacted by value from what comes back;
values the daemon resolved for others are redacted by the daemon."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import RunningDaemon
from tests.support.gateway import gateway_session, http_upstream, text_of, wrap_args

pytestmark = [pytest.mark.e2e, pytest.mark.keyring,
              pytest.mark.skipif(sys.platform == "win32", reason="Secret Service is Linux's")]


@pytest.fixture
def keyring_daemon(approvald_exe: list[str], policy_home: Path,
                   secret_service_env: dict[str, str]) -> Iterator[RunningDaemon]:
    running = RunningDaemon(approvald_exe, policy_home, **secret_service_env).start()
    yield running
    running.ensure_stopped()


def run(daemon: RunningDaemon, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    out = subprocess.run([*daemon.exe, *args], env=daemon.env, input=stdin, text=True,
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out


def secret(daemon: RunningDaemon, name: str) -> tuple[str, str]:
    """(value, lease id) of a new secret called `name`."""
    value = f"tok-{secrets.token_hex(16)}"
    run(daemon, "secrets", "set", name, stdin=value + "\n")
    lease = json.loads(run(daemon, "lease", name, "--ttl", "600", "--json").stdout)
    return value, str(lease["lease_id"])


async def test_a_leased_env_value_reaches_the_upstream_and_never_comes_back(
        approvald_exe: list[str], keyring_daemon: RunningDaemon) -> None:
    name = f"GW_{secrets.token_hex(3).upper()}"
    value, lease = secret(keyring_daemon, name)
    args = wrap_args("test", None, "--env", f"UPSTREAM_SECRET={{lease:{lease}}}")
    async with gateway_session(approvald_exe, keyring_daemon.env, args) as session:
        result = await session.call_tool("get_env", {"name": "UPSTREAM_SECRET"})
    assert text_of(result) == f"[REDACTED:{name}]"  # resolved (not the placeholder), redacted
    assert value not in json.dumps(result.structured_content)
    for path in keyring_daemon.home.rglob("*"):
        if path.is_file() and not path.is_socket():
            assert value.encode() not in path.read_bytes(), path


async def test_a_leased_header_reaches_an_http_upstream(approvald_exe: list[str],
                                                        keyring_daemon: RunningDaemon) -> None:
    name = f"GW_{secrets.token_hex(3).upper()}"
    _, lease = secret(keyring_daemon, name)
    with http_upstream(keyring_daemon.env) as url:
        args = ["mcp", "wrap", "--name", "web", "--url", url,
                "--header", f"Authorization: Bearer {{lease:{lease}}}"]
        async with gateway_session(approvald_exe, keyring_daemon.env, args) as session:
            result = await session.call_tool("header", {"name": "authorization"})
    assert text_of(result) == f"Bearer [REDACTED:{name}]"


async def test_values_the_daemon_resolved_for_others_are_redacted_by_the_daemon(
        approvald_exe: list[str], keyring_daemon: RunningDaemon) -> None:
    name = f"GW_{secrets.token_hex(3).upper()}"
    value, lease = secret(keyring_daemon, name)
    run(keyring_daemon, "exec", "--lease", lease, "--env", "X", "--", "true")  # now it knows
    # The upstream holds the value some other way (the gateway never leased it).
    args = wrap_args("test", None, "--env", f"PLAIN={value}")
    async with gateway_session(approvald_exe, keyring_daemon.env, args) as session:
        result = await session.call_tool("get_env", {"name": "PLAIN"})
    assert text_of(result) == f"[REDACTED:{name}]"


def test_a_lease_that_does_not_resolve_stops_the_gateway_with_one_line(
        approvald_exe: list[str], keyring_daemon: RunningDaemon) -> None:
    out = subprocess.run([*approvald_exe, *wrap_args("test", None, "--env",
                                                     "X={lease:ls_000000000000000000000000}")],
                         env=keyring_daemon.env, capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 1
    assert "a lease did not resolve" in out.stderr and "Traceback" not in out.stderr
