"""Codex's config.toml, edited as text so that its comments and layout survive.

Only `[KEY.NAME]` server tables are found and rewritten; every other byte of the file is kept.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any, TypeVar

Report = TypeVar("Report")

_TABLE = re.compile(r'^\s*\[\s*([A-Za-z0-9_-]+)\s*\.\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)\s*\]'
                    r'\s*(?:#.*)?$')
_ANY_TABLE = re.compile(r"^\s*\[")


def _toml_name(token: str) -> str:
    return json.loads(token) if token.startswith('"') else token


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def toml_sections(text: str, servers_key: str) -> list[tuple[str, int, int]]:
    """(server name, first line, end line) of each `[servers_key.NAME]` table; its body runs
    to the next table header (sub-tables such as `.tools.x` belong to another header)."""
    lines = text.splitlines(keepends=True)
    found: list[tuple[str, int, int]] = []
    for index, line in enumerate(lines):
        match = _TABLE.match(line)
        if not match or match.group(1) != servers_key:
            continue
        end = index + 1
        while end < len(lines) and not _ANY_TABLE.match(lines[end]):
            end += 1
        found.append((_toml_name(match.group(2)), index, end))
    return found


def toml_entry(section: str) -> dict[str, Any] | None:
    """The table a `[mcp_servers.NAME]` section defines (its header line dropped)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    body = section.split("\n", 1)[1] if "\n" in section else ""
    try:
        return tomllib.loads(body)
    except tomllib.TOMLDecodeError:
        return None


def toml_body(header: str, entry: dict[str, Any]) -> str:
    """A section holding `entry`'s plain keys (strings, lists of strings, booleans, numbers,
    tables of strings), in its order."""
    out = [header if header.endswith("\n") else header + "\n"]
    for key, value in entry.items():
        out.append(f"{key} = {_toml_literal(value)}\n")
    return "".join(out)


def _toml_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_string(str(k))} = {_toml_literal(v)}"
                                for k, v in value.items()) + " }"
    raise ValueError(f"cannot write {type(value).__name__} to TOML")


def edit_toml(text: str, servers_key: str,
              edit_section: Callable[[str, str], tuple[str | None, Report]]) -> tuple[str,
                                                                                    list[Report]]:
    """Apply `edit_section(name, section text) -> (new text or None, its report)` to each
    server section, keeping every other byte of the file; the reports come in file order."""
    lines = text.splitlines(keepends=True)
    reports: list[Report] = []
    for name, start, end in reversed(toml_sections(text, servers_key)):
        section = "".join(lines[start:end])
        trailing = ""
        stripped = section.rstrip("\n")
        if len(stripped) < len(section) - 1:  # keep blank lines between tables as they were
            trailing = section[len(stripped) + 1:]
            section = stripped + "\n"
        new, report = edit_section(name, section)
        reports.insert(0, report)
        if new is not None:
            lines[start:end] = [new + trailing]
    return "".join(lines), reports
