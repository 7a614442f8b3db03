"""One rule governs every agent alike: each agent's own payload for the same act, evaluated by
the same policy, gets the same decision from the same rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from approvald.agents import AGENTS, get_agent
from approvald.demo.agents import simulated
from approvald.paths import get_paths
from approvald.policy import ALLOW, DENY, REQUIRE_APPROVAL, load_engine

CWD = "/home/dev/app"
MCP_POLICY = """version: 1
name: org
rules:
  - id: no-issue-filing
    decision: DENY
    reason: Filing issues is for people.
    match: {mcp_server: github, mcp_tool: create_issue}
"""


@pytest.fixture
def engine(approvald_home: Path):
    """The starter policy plus a user policy with one MCP rule."""
    policies = get_paths().policies
    policies.mkdir(parents=True, exist_ok=True)
    (policies / "org.yaml").write_text(MCP_POLICY, encoding="utf-8")
    return load_engine(home="/home/dev")


def decide(engine, agent: str, payload: dict) -> tuple[str, tuple[str, ...]]:
    decision = engine.evaluate(get_agent(agent).action(payload))
    return decision.decision, decision.rules


ACTS = [
    ("git push", lambda a: a.shell("git push origin main", CWD, "s"), REQUIRE_APPROVAL,
     ("git-push",)),
    ("a spelling of git push", lambda a: a.shell("cd sub && env GIT_DIR=.git git -C . push",
                                                 CWD, "s"), REQUIRE_APPROVAL, ("git-push",)),
    ("an ordinary command", lambda a: a.shell("npm test", CWD, "s"), ALLOW, ()),
    ("reading .env", lambda a: a.read(f"{CWD}/.env", CWD, "s"), DENY, ("secrets-read-tool",)),
    ("writing .env", lambda a: a.write(".env", "A=1", CWD, "s"), REQUIRE_APPROVAL,
     ("secrets-overwrite",)),
    ("filing an issue over MCP", lambda a: a.mcp("github", "create_issue", {"title": "x"}, CWD,
                                                 "s"), DENY, ("no-issue-filing",)),
]


@pytest.mark.parametrize("agent", list(AGENTS))
@pytest.mark.parametrize(("what", "build", "expected", "rules"), ACTS,
                         ids=[a[0] for a in ACTS])
def test_same_act_same_decision(engine, agent: str, what: str, build, expected: str,
                                rules: tuple[str, ...]) -> None:
    decision, by = decide(engine, agent, build(simulated(agent)))
    assert (decision, by) == (expected, rules), what


@pytest.mark.parametrize(("agent", "tool", "tool_input"), [
    ("claude-code", "Edit", {"file_path": ".env", "old_string": "a", "new_string": "b"}),
    ("gemini", "replace", {"file_path": ".env", "old_string": "a", "new_string": "b"}),
])
def test_editing_a_secret_file_is_reading_it_for_every_agent(engine, agent: str, tool: str,
                                                             tool_input: dict) -> None:
    payload = {"session_id": "s", "cwd": CWD, "hook_event_name": "BeforeTool"
               if agent == "gemini" else "PreToolUse", "tool_name": tool,
               "tool_input": tool_input}
    assert decide(engine, agent, payload) == (DENY, ("secrets-read-tool",))


def test_edits_by_cursor_and_copilot_too(engine) -> None:
    cursor = {"hook_event_name": "preToolUse", "conversation_id": "c", "workspace_roots": [CWD],
              "tool_name": "StrReplace", "tool_input": {"path": ".env", "old_string": "a",
                                                        "new_string": "b"}}
    copilot = {"sessionId": "s", "cwd": CWD, "toolName": "edit",
               "toolArgs": '{"path": ".env", "old_str": "a", "new_str": "b"}'}
    assert decide(engine, "cursor", cursor) == (DENY, ("secrets-read-tool",))
    assert decide(engine, "copilot", copilot) == (DENY, ("secrets-read-tool",))


def test_every_agent_module_is_simulated() -> None:
    assert all(simulated(name).name == name for name in AGENTS)


def hook_files(agent: str) -> list[Path]:
    """The files that hold the agent's hook (or plugin) and its MCP servers."""
    env = {"HOME": "/home/dev"}
    spec, mcp = get_agent(agent).install, get_agent(agent).mcp
    if agent == "opencode":  # a plugin file of its own; MCP servers in opencode.json
        from approvald.agents.opencode import plugin_file

        return [*(plugin_file(scope, Path(CWD), env) for scope in plugin_file.scopes),
                Path(CWD, "opencode.json"), Path("/home/dev/.config/opencode/opencode.json")]
    assert spec is not None and mcp is not None
    return [*(spec.settings_file(scope, Path(CWD), env) for scope in spec.scopes),
            *(mcp.file(scope, Path(CWD), env) for scope in mcp.files)]


@pytest.mark.parametrize("agent", list(AGENTS))
def test_no_agent_may_edit_the_files_that_hold_its_hook(engine, agent: str) -> None:
    for path in hook_files(agent):
        write = simulated(agent).write(str(path), "{}", CWD, "s")
        assert decide(engine, agent, write) == (DENY, ("self.agent-settings",)), path
        remove = simulated(agent).shell(f"rm {path}", CWD, "s")
        assert decide(engine, agent, remove)[0] == DENY, path
