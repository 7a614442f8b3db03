"""Fixtures for the gateway's end-to-end tests: a home with a test policy, and a real daemon."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import RunningDaemon, env_for
from tests.support.gateway import write_policy
from tests.support.keyring import secret_service_env

__all__ = ["secret_service_env"]  # a fixture: pytest finds it here

# Rules for the SDK test upstream (tests/support/mcp_upstream.py) served as `test`.
POLICY = """\
rules:
  - id: test-mcp-shell
    decision: DENY
    reason: Shell-like MCP tools are not for these tests.
    match: {kind: mcp.call, mcp_tool: run_command}
  - id: test-mcp-slow
    decision: REQUIRE_APPROVAL
    reason: Slow calls need a person in these tests.
    match: {kind: mcp.call, mcp_tool: slow}
"""


@pytest.fixture
def policy_home(approvald_home: Path) -> Path:
    write_policy(approvald_home, POLICY)
    return approvald_home


@pytest.fixture
def env(policy_home: Path) -> dict[str, str]:
    """The environment a gateway (and its upstream) runs with."""
    return env_for(policy_home)


@pytest.fixture
def gw_daemon(approvald_exe: list[str], policy_home: Path) -> Iterator[RunningDaemon]:
    """A real daemon that loaded the test policy."""
    running = RunningDaemon(approvald_exe, policy_home).start()
    yield running
    running.ensure_stopped()
