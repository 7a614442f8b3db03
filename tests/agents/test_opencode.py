"""OpenCode's tool calls (as approvald's plugin sends them) as actions, and the answers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from approvald.agents import get_agent
from approvald.agents.base import Verdict
from approvald.model.actions import ActionError
from tests.support.daemon import cli_argv

OPENCODE = get_agent("opencode")


def payload(tool: str, args: object, **over: object) -> dict:
    doc = {"hook_event_name": "tool.execute.before", "tool": tool, "args": args,
           "sessionID": "ses_1", "callID": "call_1", "directory": "/repo", "worktree": "/repo"}
    doc.update(over)
    return doc


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


def test_bash_runs_in_its_workdir() -> None:
    action = OPENCODE.action(payload("bash", {"command": "terraform apply", "workdir": "infra",
                                              "description": "apply", "timeout": 1000}))
    assert (action.kind, action.command, action.cwd) == (
        "process.exec", "terraform apply", "/repo/infra")
    assert (action.session_id, action.call_id, action.agent) == ("ses_1", "call_1", "opencode")
    assert "description" not in action.input
    assert OPENCODE.action(payload("shell", {"command": "ls"})).cwd == "/repo"


@pytest.mark.parametrize(("tool", "args", "kind", "paths"), [
    ("read", {"filePath": ".env"}, "fs.read", ("/repo/.env",)),
    ("read", {"path": "/etc/passwd", "offset": 1}, "fs.read", ("/etc/passwd",)),
    ("write", {"filePath": "src/a.py", "content": "x"}, "fs.write", ("/repo/src/a.py",)),
    ("edit", {"filePath": "/repo/.env", "oldString": "a", "newString": "b"}, "fs.write",
     ("/repo/.env",)),
    ("glob", {"pattern": "**/*.py"}, "fs.read", ("/repo",)),
    ("grep", {"pattern": "TODO", "path": "src"}, "fs.read", ("/repo/src",)),
    ("list", {}, "fs.read", ("/repo",)),
    ("apply_patch", {"patchText": "*** Begin Patch\n*** Add File: b.py\n+x\n*** End Patch\n"},
     "fs.write", ("/repo/b.py",)),
    ("patch", {"patchText": "*** Begin Patch\n*** Delete File: c.py\n*** End Patch\n"},
     "fs.write", ("/repo/c.py",)),
])
def test_file_tools(tool: str, args: dict, kind: str, paths: tuple[str, ...]) -> None:
    action = OPENCODE.action(payload(tool, args))
    assert (action.kind, action.paths) == (kind, paths)
    assert "content" not in action.input and "newString" not in action.input


def test_web_and_task_tools() -> None:
    fetch = OPENCODE.action(payload("webfetch", {"url": "https://Example.com/x", "format": "md"}))
    assert (fetch.kind, fetch.url) == ("net.http", "https://example.com/x")
    assert OPENCODE.action(payload("websearch", {"query": "q"})).kind == "net.http"
    assert OPENCODE.action(payload("task", {"prompt": "p", "subagent_type": "general"})
                           ).kind == "agent.task"
    assert OPENCODE.action(payload("todowrite", {"todos": []})).kind == "tool.other"


def test_mcp_tools_split_on_the_configured_server(_no_user_config: Path) -> None:
    action = OPENCODE.action(payload("github_create_issue", {"title": "x"}))
    assert (action.kind, action.mcp_server, action.mcp_tool) == (
        "mcp.call", "github", "create_issue")
    folder = _no_user_config / "opencode"
    folder.mkdir(parents=True)
    (folder / "opencode.json").write_text(json.dumps({"mcp": {"my_db": {
        "type": "local", "command": ["npx", "db-mcp"]}}}))
    action = OPENCODE.action(payload("my_db_run_query", {"sql": "select 1"}))
    assert (action.mcp_server, action.mcp_tool) == ("my_db", "run_query")
    assert action.input == {"sql": "select 1"}


@pytest.mark.parametrize("bad", [
    [1, 2],
    {"args": {"command": "ls"}},  # no tool
    payload("bash", "ls"),  # args not an object
    payload("bash", {"command": 42}),
    payload("read", {}),
    payload("bash", {"command": "ls"}, hook_event_name="tool.execute.after"),
    payload("apply_patch", {"patchText": "no files here"}),
])
def test_unusable_payloads_are_errors(bad: object) -> None:
    with pytest.raises(ActionError):
        OPENCODE.action(bad)


def test_answers() -> None:
    allow = OPENCODE.reply(Verdict(None, "no rule"))
    assert json.loads(allow.stdout) == {"decision": "allow", "reason": "no rule"}
    assert allow.exit_code == 0 and OPENCODE.is_reply(allow.stdout)
    deny = OPENCODE.reply(Verdict("deny", "approvald: no"))
    assert json.loads(deny.stdout) == {"decision": "deny", "reason": "approvald: no"}
    # No one can be asked through OpenCode: an ask is a deny saying why.
    ask = json.loads(OPENCODE.reply(Verdict("ask", "approvald: push")).stdout)
    assert ask["decision"] == "deny" and ask["reason"].startswith("approvald: push")
    assert not OPENCODE.is_reply("") and not OPENCODE.is_reply('{"permission": "allow"}')


def test_policy_test_reads_its_payload(approvald_home: Path) -> None:
    doc = payload("read", {"filePath": ".env"})
    done = subprocess.run([*cli_argv(), "policy", "test", "--from", "opencode", "--json", "-"],
                          input=json.dumps(doc), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"] == "DENY"
    bad = subprocess.run([*cli_argv(), "policy", "test", "--from", "opencode", "-"],
                         input=json.dumps(payload("bash", "ls")), capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.strip()
