"""Reading agent config files without ever crashing on them.

Every reader returns a `ConfigDoc` (or None when the file is absent) and adds a `Finding`
naming the file and line when the file cannot be read. Agents disagree on JSON: Claude Code
and Codex's hooks.json want strict JSON, while Gemini CLI and Cursor accept comments and
trailing commas (JSONC). A strict file that only parses leniently is still analysed (the
user will fix the comma and then its contents apply), but is marked `agent_can_read=False`
so hooks living in it are not counted as protection.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approvald.doctor.findings import MEDIUM, Finding, finding_id
from approvald.wire import jsontext

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

MAX_BYTES = 64 * 1024 * 1024  # ~/.claude.json grows with history; anything bigger is not a config


@dataclass
class ConfigDoc:
    path: Path
    text: str
    data: dict[str, Any]
    agent_can_read: bool = True

    def line_of(self, *needles: str) -> int | None:
        """First line holding `needles[-1]` after the others appeared in order (1-based)."""
        return line_of(self.text, *needles)


def line_of(text: str, *needles: str) -> int | None:
    pos = 0
    for index, needle in enumerate(needles):
        found = text.find(needle, pos)
        if found < 0:
            return None
        pos = found if index == len(needles) - 1 else found + len(needle)
    return text.count("\n", 0, pos) + 1


def strip_jsonc(text: str) -> str:
    """Blank out // and /* */ comments and trailing commas, keeping every newline in place
    so a later error still names the right line."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if ch == '"':
                in_string = False
            i += 1
            continue
        if ch == '"':
            in_string = True
            out.append(ch)
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("".join(c if c == "\n" else " " for c in text[i:end]))
            i = end
        else:
            out.append(ch)
            i += 1
    cleaned = "".join(out)
    # A comma followed only by whitespace before } or ] is a trailing comma.
    return re.sub(r",(\s*[}\]])", r" \1", cleaned)


def _read_text(path: Path, agent: str, findings: list[Finding]) -> str | None:
    try:
        if not path.is_file():
            return None
        if path.stat().st_size > MAX_BYTES:
            findings.append(_unreadable(agent, path, "the file is larger than 64 MB", None))
            return None
        raw = path.read_bytes()
    except OSError as exc:
        findings.append(_unreadable(agent, path, exc.strerror or str(exc), None))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        findings.append(_unreadable(agent, path, "it is not UTF-8 text", line))
        return None


def _unreadable(agent: str, path: Path, why: str, line: int | None) -> Finding:
    where = f"{path}:{line}" if line else str(path)
    return Finding(
        severity=MEDIUM,
        agent=agent,
        file=str(path),
        line=line,
        title=f"Cannot read {path.name}: {why}",
        detail=(
            f"approvald doctor could not read {where}, so nothing in it was checked; the agent "
            "most likely cannot read it either, and any hook or deny rule in it does not apply."
        ),
        fix=f"Repair {where} (or delete it if it is not needed) and run `approvald doctor` again.",
        id=finding_id(agent, "unreadable", str(path)),
    )


def read_json(
    path: Path, agent: str, findings: list[Finding], *, jsonc: bool = False
) -> ConfigDoc | None:
    """The file's top-level object, or None (absent or unreadable: a finding says which)."""
    text = _read_text(path, agent, findings)
    if text is None:
        return None
    if not text.strip():
        return ConfigDoc(path, text, {})
    strict_error: json.JSONDecodeError | None = None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        strict_error = exc
        try:
            data = json.loads(strip_jsonc(text))
        except json.JSONDecodeError as exc2:
            findings.append(_unreadable(agent, path, f"invalid JSON ({exc2.msg})", exc2.lineno))
            return None
    except RecursionError:
        findings.append(_unreadable(agent, path, "JSON nested too deeply", None))
        return None
    if not isinstance(data, dict):
        findings.append(_unreadable(agent, path, "expected a JSON object at the top", 1))
        return None
    try:
        jsontext.check_text(data)
    except jsontext.JsonTextError:  # the agent reads such escapes: check it, show them as written
        data = jsontext.spelled_out(data)
    doc = ConfigDoc(path, text, data)
    if strict_error is not None and not jsonc:
        doc.agent_can_read = False
        line = strict_error.lineno
        findings.append(
            Finding(
                severity=MEDIUM,
                agent=agent,
                file=str(path),
                line=line,
                title=f"{path.name} has comments or trailing commas the agent rejects",
                detail=(
                    f"{path}:{line}: {strict_error.msg}. This file must be strict JSON; the agent "
                    "skips a file it cannot parse, so its hooks and deny rules do not apply. "
                    "(Its other contents were still checked below.)"
                ),
                fix=f"Remove the comment or trailing comma at {path}:{line}.",
                id=finding_id(agent, "not-strict-json", str(path)),
            )
        )
    return doc


_TOML_LINE = re.compile(r"line (\d+)")


def read_toml(path: Path, agent: str, findings: list[Finding]) -> ConfigDoc | None:
    text = _read_text(path, agent, findings)
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = int(match.group(1)) if match else getattr(exc, "lineno", None)
        message = str(exc).split(" (at ")[0]
        findings.append(_unreadable(agent, path, f"invalid TOML ({message})", line))
        return None
    except RecursionError:
        findings.append(_unreadable(agent, path, "TOML nested too deeply", None))
        return None
    return ConfigDoc(path, text, data)


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""
