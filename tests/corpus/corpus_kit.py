"""Helpers shared by the corpus tables (make_corpus.py and the round-two tables).

Every table module appends to `ENTRIES` through `tool`, `bash` and `group`; make_corpus.py
imports the tables in order and writes the JSONL file.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

FAKE_HOME = "/home/dev"
CORPUS_APPROVALD_HOME = "/tmp/ad-corpus-home"
AD = CORPUS_APPROVALD_HOME
SOCK = f"{AD}/run/approvald.sock"

WEBAPP = f"{FAKE_HOME}/projects/webapp"
INFRA = f"{FAKE_HOME}/projects/infra"
API = f"{FAKE_HOME}/projects/api"
K8S = f"{FAKE_HOME}/projects/platform"
LIB = f"{FAKE_HOME}/src/pkgtool"

A, D, R = "ALLOW", "DENY", "REQUIRE_APPROVAL"

ENTRIES: list[dict[str, Any]] = []
_MODES = ("default", "acceptEdits", "default", "bypassPermissions", "plan")


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _payload(entry_id: str, cwd: str, tool_name: str, tool_input: dict[str, Any]) -> dict:
    digest = _digest(entry_id)
    session = str(uuid.UUID(bytes=digest[:16], version=4))
    tool_use = "toolu_01" + hashlib.sha256(digest).hexdigest()[:22]
    project = cwd.replace("/", "-")
    return {
        "session_id": session,
        "transcript_path": f"{FAKE_HOME}/.claude/projects/{project}/{session}.jsonl",
        "cwd": cwd,
        "permission_mode": _MODES[digest[16] % len(_MODES)],
        "hook_event_name": "PreToolUse",
        "tool_name": tool_name,
        "tool_input": tool_input,
        "tool_use_id": tool_use,
    }


def tool(entry_id: str, tool_name: str, tool_input: dict[str, Any], expect: str, why: str,
         cwd: str = WEBAPP) -> None:
    ENTRIES.append({
        "id": entry_id,
        "payload": _payload(entry_id, cwd, tool_name, tool_input),
        "expect": expect,
        "why": why,
    })


def bash(entry_id: str, command: str, expect: str, why: str, cwd: str = WEBAPP) -> None:
    tool_input: dict[str, Any] = {"command": command}
    if _digest(entry_id)[17] % 3 == 0:  # Claude Code often adds a description
        tool_input["description"] = "Run: " + command.splitlines()[0][:40]
    tool(entry_id, "Bash", tool_input, expect, why, cwd)


def group(prefix: str, expect: str, rows: list[tuple[str, str, str]], cwd: str = WEBAPP) -> None:
    for suffix, command, why in rows:
        bash(f"{prefix}-{suffix}", command, expect, why, cwd)


