"""Doctor findings from daily use: shell aliases that start an agent with its checks off,
secrets written into MCP server entries, and words that say what approvald really does (a
broken policy keeps the last good one running; gated actions are asked where the agent can)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from approvald.doctor import health, watched_files
from approvald.paths import get_paths
from tests.support.doctor import by_kind, machine, titles


@pytest.mark.parametrize(("line", "flag"), [
    ("alias cc='claude --dangerously-skip-permissions'", "--dangerously-skip-permissions"),
    ('claude() { command claude --permission-mode bypassPermissions "$@"; }',
     "--permission-mode"),
    ("alias yolo='gemini --yolo'", "--yolo"),
    ("alias cx='codex --dangerously-bypass-approvals-and-sandbox'",
     "--dangerously-bypass-approvals-and-sandbox"),
    ("abbr -a cop copilot --allow-all-tools", "--allow-all-tools"),
])
def test_a_bypass_alias_is_found_with_its_line(tmp_path: Path, line: str, flag: str) -> None:
    box = machine("shell", tmp_path)
    rc = box.home / (".config/fish/config.fish" if line.startswith("abbr") else ".zshrc")
    rc.parent.mkdir(parents=True, exist_ok=True)
    rc.write_text(f"# my shell\nexport EDITOR=vim\n{line}\n# alias c='claude --yolo'\n")
    found = by_kind(box.scan(), "shell", "bypass-alias")
    assert len(found) == 1, titles(box.scan())
    assert found[0].severity == "high" and found[0].line == 3 and flag in found[0].title
    assert rc in watched_files(box.home, None)  # the live doctor notices the fix


def test_ordinary_aliases_are_not_findings(tmp_path: Path) -> None:
    box = machine("shell", tmp_path)
    (box.home / ".bashrc").write_text(
        "alias cl='claude --model opus'\nalias y='yarn --yes'\n"
        "echo 'never run claude --dangerously-skip-permissions'  # a reminder\n")
    found = by_kind(box.scan(), "shell", "bypass-alias")
    assert [f.line for f in found] == [3]  # the echo names both: reported, it may be run


def test_a_secret_written_into_an_mcp_entry_is_found(tmp_path: Path) -> None:
    box = machine("mcp-secrets", tmp_path)
    token = "ghp_" + "a1B2" * 9
    (box.project / ".mcp.json").write_text(json.dumps({"mcpServers": {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": token}},
        "fine": {"command": "npx", "args": ["-y", "server-x"],
                 "env": {"API_TOKEN": "${API_TOKEN}"}}}}))
    (box.home / ".cursor").mkdir()
    (box.home / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": {
        "linear": {"url": "https://mcp.linear.app/sse",
                   "headers": {"Authorization": "Bearer lin_api_" + "x9" * 16}}}}))
    findings = box.scan()
    found = {f.agent: f for f in findings if "/mcp-plaintext-secret/" in f.id}
    assert set(found) == {"claude-code", "cursor"}, titles(findings)
    assert "env.GITHUB_PERSONAL_ACCESS_TOKEN" in found["claude-code"].title
    assert "headers.Authorization" in found["cursor"].title
    assert token not in json.dumps([f.__dict__ for f in findings])  # never repeated


def test_a_secret_written_as_a_key_is_found_and_not_repeated(tmp_path: Path) -> None:
    box = machine("mcp-secrets", tmp_path)
    token = "ghp_" + "a1B2" * 9
    (box.project / ".mcp.json").write_text(json.dumps({"mcpServers": {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                   "env": {token: "1", "DEBUG": "1"}}}}))
    findings = box.scan()
    [found] = [f for f in findings if "/mcp-plaintext-secret/" in f.id]
    assert "env.[REDACTED:github_token]" in found.title
    assert token not in json.dumps([f.__dict__ for f in findings])


def test_the_words_match_what_approvald_does(approvald_home: Path) -> None:
    paths = get_paths()
    down = next(f for f in health.check(paths, hook_installed=True) if "daemon-down" in f.id)
    assert "refused" not in down.detail
    assert "own prompt" in down.detail and "same policy" in down.detail
    paths.policies.mkdir(parents=True)
    (paths.policies / "mine.yaml").write_text("rules:\n  - id: x\n")
    broken = next(f for f in health.check(paths, check_daemon=False) if "policy-broken" in f.id)
    assert "keeps deciding with the last policy that loaded" in broken.detail
    assert "approvald policy check" in broken.fix
