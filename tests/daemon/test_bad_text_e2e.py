"""A request body that is not text (a lone surrogate escape, a surrogate encoded as bytes,
bytes that are not UTF-8), on every daemon route that reads one (`/v1/policy/reload` reads none):
a one-line 400 naming what is wrong, before any use case runs, and no traceback in the daemon's
log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from approvald.wire import transport
from tests.support.badtext import KINDS, NAMED, bad_json
from tests.support.daemon import RunningDaemon, clean_daemon

pytestmark = pytest.mark.e2e

AGENT_ROUTES = ["/v1/decide", "/v1/hook/claude-code", "/v1/hook/claude-code/PostToolUse"]
OPERATOR_ROUTES = [
    "/v1/approvals/ap_x/approve", "/v1/approvals/ap_x/deny", "/v1/approvals/ap_x/revoke",
    "/v1/secrets/name/meta", "/v1/leases", "/v1/leases/resolve",
    "/v1/leases/ls_x/revoke", "/v1/leases/ls_x/resolve", "/v1/mcp/pins/observe",
    "/v1/mcp/pins/accept"]


def _daemon() -> Iterator[RunningDaemon]:
    yield from clean_daemon("ad-dbt-")


# Two daemons: an agent route's request makes the sending process's parent an agent to its
# daemon, which then refuses that process the operator's routes (docs/SECURITY.md).
operator_daemon = pytest.fixture(scope="module")(_daemon)
agent_daemon = pytest.fixture(scope="module")(_daemon)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("route", AGENT_ROUTES + OPERATOR_ROUTES)
def test_a_body_that_is_not_text_is_a_one_line_400(request: pytest.FixtureRequest, route: str,
                                                   kind: str) -> None:
    running: RunningDaemon = request.getfixturevalue(
        "agent_daemon" if route in AGENT_ROUTES else "operator_daemon")
    body = bad_json(lambda text: {"reason": text, "name": text, "tool_name": "Bash",
                                  "tool_input": {"command": text}, "session_id": "s",
                                  "cwd": "/tmp"}, kind)
    paths = running.paths
    answer = transport.request(paths.socket, "POST", route, raw=body,
                     token=paths.token_file.read_text().strip(),
                     client_token=paths.client_token_file.read_text().strip())
    assert answer.status == 400, (answer.status, answer.body)
    message = answer.error_message()
    assert message.startswith("request body ") and NAMED[kind] in message, message
    assert "\n" not in message
