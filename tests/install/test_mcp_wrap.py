"""Wrapping an agent's MCP server entries in `approvald mcp wrap`, and restoring them exactly:
JSON tables and Codex's TOML, with what cannot be wrapped left as it is."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from approvald.install.mcp import (
    Records,
    is_wrapped,
    unwrap_table,
    unwrap_toml,
    unwrapped_entry,
    wrap_table,
    wrap_toml,
    wrapped_entry,
)

LAUNCH = ["/opt/bin/approvald"]
FILE = Path("/home/dev/project/.mcp.json")
SERVERS: dict[str, Any] = {
    "fs": {"type": "stdio", "command": "npx",
           "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/dev"],
           "env": {"DEBUG": "1"}},
    "bare": {"command": "my-server"},
    "remote": {"type": "http", "url": "https://mcp.example.com/mcp",
               "headers": {"Authorization": "Bearer ${TOKEN}"}},
    "stream": {"type": "sse", "url": "https://old.example.com/sse"},
    "oauth": {"url": "https://x.example.com/mcp", "oauth": {"clientId": "abc"}},
    "off": {"command": "x", "disabled": True},
}


def records(tmp_path: Path) -> Records:
    return Records(tmp_path / "state" / "mcp-install.json")


def test_stdio_and_http_servers_are_wrapped_the_rest_said_why(tmp_path: Path) -> None:
    servers = copy.deepcopy(SERVERS)
    edit = wrap_table(servers, agent="claude-code", command=LAUNCH, file=FILE,
                      table="mcpServers", records=records(tmp_path))
    assert {c.name: c.action for c in edit.changes} == {
        "fs": "wrapped", "bare": "wrapped", "remote": "wrapped", "stream": "not-wrapped",
        "oauth": "not-wrapped", "off": "skipped"}
    assert servers["fs"] == {
        "type": "stdio", "command": "/opt/bin/approvald", "env": {"DEBUG": "1"},
        "args": ["mcp", "wrap", "--name", "fs", "--agent", "claude-code", "--", "npx", "-y",
                 "@modelcontextprotocol/server-filesystem", "/home/dev"]}
    assert servers["remote"] == {
        "command": "/opt/bin/approvald", "type": "stdio",
        "args": ["mcp", "wrap", "--name", "remote", "--agent", "claude-code", "--url",
                 "https://mcp.example.com/mcp", "--header", "Authorization: Bearer ${TOKEN}"]}
    assert servers["stream"] == SERVERS["stream"] and servers["oauth"] == SERVERS["oauth"]
    notes = {c.name: c.note for c in edit.changes}
    assert "SSE" in notes["stream"] and "oauth" in notes["oauth"]
    assert all(is_wrapped(servers[n]) for n in ("fs", "bare", "remote"))


def test_wrapping_twice_changes_nothing_and_unwrapping_restores_exactly(tmp_path: Path) -> None:
    book = records(tmp_path)
    servers = copy.deepcopy(SERVERS)
    wrap_table(servers, agent="claude-code", command=LAUNCH, file=FILE, table="mcpServers",
               records=book)
    book.save()
    once = copy.deepcopy(servers)
    again = wrap_table(servers, agent="claude-code", command=LAUNCH, file=FILE,
                       table="mcpServers", records=book)
    assert not again.changed and servers == once
    reread = records(tmp_path)  # what was replaced survives in the state file
    edit = unwrap_table(servers, file=FILE, table="mcpServers", records=reread)
    assert servers == SERVERS
    assert sorted(c.name for c in edit.changes if c.action == "unwrapped") == [
        "bare", "fs", "remote"]
    assert reread.data == {}


def test_an_entry_changed_after_wrapping_keeps_the_change(tmp_path: Path) -> None:
    book = records(tmp_path)
    servers = {"fs": copy.deepcopy(SERVERS["fs"])}
    wrap_table(servers, agent="codex", command=LAUNCH, file=FILE, table="mcpServers",
               records=book)
    servers["fs"]["env"]["DEBUG"] = "2"
    edit = unwrap_table(servers, file=FILE, table="mcpServers", records=book)
    assert servers == {"fs": {**SERVERS["fs"], "env": {"DEBUG": "2"}}}
    [change] = edit.changes
    assert change.action == "unwrapped" and "changed since" in change.note
    assert book.data == {}


def test_a_hand_wrapped_entry_is_read_back_from_its_arguments() -> None:
    stdio = {"command": "approvald", "args": ["mcp", "wrap", "--name", "x", "--", "npx", "pkg"],
             "env": {"A": "1"}}
    assert unwrapped_entry(stdio) == {"command": "npx", "args": ["pkg"], "env": {"A": "1"}}
    http = {"command": "/usr/bin/approvald", "args": [
        "mcp", "wrap", "--name", "r", "--url", "https://h/mcp", "--header", "X-A: b: c"]}
    assert unwrapped_entry(http) == {"url": "https://h/mcp", "headers": {"X-A": "b: c"}}
    assert unwrapped_entry({"command": "npx", "args": ["pkg"]}) is None
    assert not is_wrapped({"command": "npx", "args": ["mcp", "wrap"]})  # not approvald's
    assert is_wrapped({"command": "python3", "args": ["-m", "approvald", "mcp", "wrap", "--",
                                                      "x"]})


def test_gemini_url_is_sse_and_http_url_is_streamable() -> None:
    sse, why = wrapped_entry("gemini", "a", {"url": "https://h/sse"}, LAUNCH)
    assert sse is None and "SSE" in why
    http, _ = wrapped_entry("gemini", "a", {"httpUrl": "https://h/mcp", "trust": False,
                                            "timeout": 30000}, LAUNCH)
    assert http is not None and http["args"][-2:] == ["--url", "https://h/mcp"]
    assert http["trust"] is False and http["timeout"] == 30000 and "httpUrl" not in http


CODEX = '''\
model = "gpt-5"

# the filesystem server
[mcp_servers.fs]
command = "npx"   # comment inside
args = [
  "-y",
  "@modelcontextprotocol/server-filesystem",
]
env = { DEBUG = "1" }

[mcp_servers.fs.tools.read_file]
approval_mode = "approve"

[mcp_servers."with.dot"]
url = "https://mcp.example.com/mcp"
http_headers = { "X-Team" = "core" }

[mcp_servers.bearer]
url = "https://b.example.com/mcp"
bearer_token_env_var = "B_TOKEN"

[profiles.fast]
model = "gpt-5-mini"
'''


def test_codex_toml_is_wrapped_in_place_and_restored_byte_for_byte(tmp_path: Path) -> None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    book = records(tmp_path)
    codex = Path("/home/dev/.codex/config.toml")
    text, edit = wrap_toml(CODEX, servers_key="mcp_servers", agent="codex", command=LAUNCH,
                           file=codex, records=book)
    assert {c.name: c.action for c in edit.changes} == {
        "fs": "wrapped", "with.dot": "wrapped", "bearer": "not-wrapped"}
    doc = tomllib.loads(text)
    fs = doc["mcp_servers"]["fs"]
    assert fs["command"] == "/opt/bin/approvald" and fs["env"] == {"DEBUG": "1"}
    assert fs["args"][-3:] == ["npx", "-y", "@modelcontextprotocol/server-filesystem"]
    assert fs["tools"]["read_file"] == {"approval_mode": "approve"}  # sub-table kept
    dotted = doc["mcp_servers"]["with.dot"]
    assert dotted["args"][-4:] == ["--url", "https://mcp.example.com/mcp", "--header",
                                   "X-Team: core"] and "url" not in dotted
    assert doc["profiles"] == {"fast": {"model": "gpt-5-mini"}} and doc["model"] == "gpt-5"
    assert text.startswith('model = "gpt-5"\n\n# the filesystem server\n')
    again, second = wrap_toml(text, servers_key="mcp_servers", agent="codex", command=LAUNCH,
                              file=codex, records=book)
    assert again == text and not second.changed
    restored, undo = unwrap_toml(text, servers_key="mcp_servers", file=codex, records=book)
    assert restored == CODEX
    assert sorted(c.name for c in undo.changes if c.action == "unwrapped") == ["fs", "with.dot"]


@pytest.mark.parametrize("entry", [{"command": "x", "args": "not a list"},
                                   {"url": "ftp://h"}, "nope",
                                   {"url": "https://h", "headers": {"A": 1}}])
def test_entries_that_cannot_be_wrapped_say_why(entry: Any) -> None:
    new, why = wrapped_entry("cursor", "x", entry, LAUNCH)
    assert new is None and why
