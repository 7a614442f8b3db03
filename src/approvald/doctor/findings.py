"""What `approvald doctor` reports: one `Finding` per problem, with the exact fix."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

HIGH = "high"
MEDIUM = "medium"
LOW = "low"
INFO = "info"
SEVERITIES = (HIGH, MEDIUM, LOW, INFO)
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    severity: str  # high | medium | low | info
    agent: str  # claude-code | codex | cursor | gemini | approvald
    file: str  # the file the finding is about ("" when none)
    title: str  # one line
    detail: str  # why it matters
    fix: str  # the exact command or key to change
    line: int | None = None
    id: str = field(default="")  # stable across scans: `<agent>/<kind>/<hash of file+subject>`

    def __post_init__(self) -> None:
        if self.severity not in _RANK:
            raise ValueError(f"unknown severity {self.severity!r}")

    @property
    def rank(self) -> int:
        return _RANK[self.severity]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "agent": self.agent,
            "file": self.file,
            "line": self.line,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
        }


def finding_id(agent: str, kind: str, *subject: str) -> str:
    """An id that stays the same while the problem does (the dashboard dedupes on it)."""
    digest = hashlib.sha256("\0".join(subject).encode("utf-8", "replace")).hexdigest()[:10]
    return f"{agent}/{kind}/{digest}"


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.rank, f.agent, f.file, f.line or 0, f.title))


def has_high(findings: list[Finding]) -> bool:
    return any(f.severity == HIGH for f in findings)


def counts(findings: list[Finding]) -> dict[str, int]:
    out = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        out[f.severity] += 1
    return out
