"""`approvald install AGENT --mcp` and `uninstall AGENT --mcp` through the real CLI: the agent's
MCP servers are rewritten to run through the gateway (which really serves them), doctor points
there and then stops warning, and uninstall brings every entry back exactly (Codex's TOML byte
for byte; a JSON file as the agent's installer writes JSON)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.support.gateway import UPSTREAM, text_of

pytestmark = pytest.mark.e2e


def run(exe: list[str], home: Path, *args: str, cwd: Path | None = None
        ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("APPROVALD_", "CLAUDE_", "CODEX_"))}
    env.update(HOME=str(home), APPROVALD_HOME=str(home / "approvald"))
    return subprocess.run([*exe, *args], env=env, capture_output=True, text=True, timeout=60,
                          cwd=cwd or home, stdin=subprocess.DEVNULL)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


MCP_JSON = {"mcpServers": {
    "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem",
                                              "."]},
    "test": {"type": "stdio", "command": sys.executable, "args": [str(UPSTREAM)],
             "env": {"UPSTREAM_MARK": "from-config"}},
    "remote": {"type": "sse", "url": "https://example.com/sse"},
}}


async def test_claude_code_project_servers_round_trip(approvald_exe: list[str], home: Path,
                                                      project: Path) -> None:
    config = project / ".mcp.json"
    original = json.dumps(MCP_JSON, indent=2) + "\n"
    config.write_text(original)
    doctor = json.loads(run(approvald_exe, home, "doctor", "--json", "--project",
                            str(project)).stdout)["findings"]
    [raw] = [f for f in doctor if "Raw filesystem MCP server 'filesystem'" in f["title"]]
    wrap = (f"approvald install claude-code --mcp --scope project --project {project}")
    assert f"Run `{wrap}`" in raw["fix"]

    dry = run(approvald_exe, home, *wrap.split()[1:], "--dry-run")
    assert dry.returncode == 0 and "+" in dry.stdout and config.read_text() == original
    done = run(approvald_exe, home, *wrap.split()[1:])
    assert done.returncode == 0, done.stderr
    assert "filesystem: now runs through approvald" in done.stdout
    assert "remote: left as it is (an SSE server" in done.stdout
    servers = json.loads(config.read_text())["mcpServers"]
    assert servers["remote"] == MCP_JSON["mcpServers"]["remote"]
    entry = servers["test"]
    assert entry["args"][:6] == ["mcp", "wrap", "--name", "test", "--agent", "claude-code"]
    assert entry["env"] == {"UPSTREAM_MARK": "from-config"}

    # Started as Claude Code would start it: the gateway serves the upstream's tools.
    env = {**os.environ, **entry["env"], "APPROVALD_HOME": str(home / "approvald")}
    params = StdioServerParameters(command=entry["command"], args=entry["args"], env=env,
                                   cwd=project)
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write, read_timeout_seconds=60) as session:
            await session.initialize()
            result = await session.call_tool("get_env", {"name": "UPSTREAM_MARK"})
            assert text_of(result) == "from-config"
    audit = (home / "approvald" / "audit" / "audit.jsonl").read_text()
    assert '"tool":"mcp__test__get_env"' in audit and '"agent":"claude-code"' in audit

    after = json.loads(run(approvald_exe, home, "doctor", "--json", "--project",
                           str(project)).stdout)["findings"]
    assert not [f for f in after if "MCP server 'filesystem'" in f["title"]]
    again = run(approvald_exe, home, *wrap.split()[1:])
    assert "filesystem: already runs through approvald" in again.stdout
    undo = run(approvald_exe, home, "uninstall", "claude-code", "--mcp", "--scope", "project",
               "--project", str(project))
    assert undo.returncode == 0, undo.stderr
    assert config.read_text() == original


def test_claude_code_local_scope_in_claude_json(approvald_exe: list[str], home: Path,
                                                project: Path) -> None:
    state: dict[str, Any] = {"numStartups": 3, "projects": {str(project): {
        "allowedTools": [], "mcpServers": {"git": {"command": "uvx", "args": ["mcp-server-git"]}}}},
        "mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}
    claude_json = home / ".claude.json"
    original = json.dumps(state, indent=2)
    claude_json.write_text(original)
    findings = json.loads(run(approvald_exe, home, "doctor", "--json", "--project",
                              str(project)).stdout)["findings"]
    fixes = {f["title"].split("'")[1]: f["fix"] for f in findings if "Raw" in f["title"]}
    assert f"approvald install claude-code --mcp --scope local --project {project}" in \
        fixes["git"]
    assert "Run `approvald install claude-code --mcp`" in fixes["fetch"]
    done = run(approvald_exe, home, "install", "claude-code", "--mcp", "--scope", "local",
               "--project", str(project))
    assert done.returncode == 0, done.stderr
    data = json.loads(claude_json.read_text())
    assert data["projects"][str(project)]["mcpServers"]["git"]["args"][:2] == ["mcp", "wrap"]
    assert data["mcpServers"] == state["mcpServers"]  # the user scope is another command
    assert data["numStartups"] == 3
    run(approvald_exe, home, "uninstall", "claude-code", "--mcp", "--scope", "local",
        "--project", str(project))
    assert json.loads(claude_json.read_text()) == state


def test_codex_toml_and_gemini_json_round_trip(approvald_exe: list[str], home: Path) -> None:
    codex = home / ".codex" / "config.toml"
    codex.parent.mkdir()
    codex_text = ('# my codex\nmodel = "o4"\n\n[mcp_servers.fs]\ncommand = "npx"  # fs\n'
                  'args = ["-y", "@modelcontextprotocol/server-filesystem", "/src"]\n')
    codex.write_text(codex_text)
    gemini = home / ".gemini" / "settings.json"
    gemini.parent.mkdir()
    gemini_doc = {"theme": "dark", "mcpServers": {
        "web": {"httpUrl": "https://mcp.example.com/mcp", "headers": {"X-Key": "$KEY"},
                "trust": False}}}
    gemini.write_text(json.dumps(gemini_doc, indent=4))
    for agent in ("codex", "gemini"):
        done = run(approvald_exe, home, "install", agent, "--mcp", "--json")
        assert done.returncode == 0, done.stderr
        assert [s["action"] for s in json.loads(done.stdout)["servers"]] == ["wrapped"]
    assert 'args = ["mcp", "wrap", "--name", "fs", "--agent", "codex", "--", "npx"' in \
        codex.read_text()
    web = json.loads(gemini.read_text())["mcpServers"]["web"]
    assert web["args"][-4:] == ["--url", "https://mcp.example.com/mcp", "--header",
                                "X-Key: $KEY"] and web["trust"] is False
    for agent in ("codex", "gemini"):
        assert run(approvald_exe, home, "uninstall", agent, "--mcp").returncode == 0
    assert codex.read_text() == codex_text
    assert json.loads(gemini.read_text()) == gemini_doc


def test_mcp_install_says_what_it_cannot_do(approvald_exe: list[str], home: Path) -> None:
    nothing = run(approvald_exe, home, "install", "cursor", "--mcp")
    assert nothing.returncode == 0 and "no MCP servers in" in nothing.stdout
    bad = run(approvald_exe, home, "install", "codex", "--mcp", "--scope", "local")
    assert bad.returncode == 1 and "no 'local' scope" in bad.stderr
    broken = home / ".cursor" / "mcp.json"
    broken.parent.mkdir()
    broken.write_text("{not json")
    refused = run(approvald_exe, home, "install", "cursor", "--mcp")
    assert refused.returncode == 1 and "not valid JSON" in refused.stderr
    assert broken.read_text() == "{not json"
