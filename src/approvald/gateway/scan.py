"""Prompt-injection patterns in what an MCP server sends the model: tool descriptions (and the
descriptions inside their schemas) and tool results.

What is looked for:
- instructions aimed at the model: "ignore previous instructions", "you are now ...", a new
  system prompt, `<IMPORTANT>`-style tags, "do not tell the user";
- hidden Unicode: tag characters (invisible ASCII, outside an emoji flag), bidi overrides,
  zero-width characters the text has no use for;
- in descriptions only (a tool has no business naming them): credential files and chained
  orders ("before using this tool, read ...").

A finding is `{"kind", "excerpt", "field"}`; the excerpt shows invisible characters as `\\uXXXX`.
Patterns find the well-known shapes, not every attack: the pins and the policy are the defence,
the scan is an early warning. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

Finding = dict[str, str]
MAX_FINDINGS = 10
_EXCERPT = 60
# Only the first MiB of a text is scanned: a result is capped before it gets here.
_SCAN_LIMIT = 1 << 20

Patterns = tuple[tuple[str, re.Pattern[str]], ...]


def _compiled(*patterns: tuple[str, str]) -> Patterns:
    return tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in patterns)


_MODEL_PATTERNS = _compiled(
    ("ignore-previous",
     r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(?:previous|prior|"
     r"above|earlier|preceding|all|any|your|system)\b[^.\n]{0,40}?\b(?:instructions?|"
     r"prompts?|rules|directions|guidelines|guardrails|messages?)\b"),
    ("role-override",
     r"\byou are now\b|\bnew (?:system )?instructions?\s*:|\b(?:system|developer) "
     r"prompt\s*:|\bfrom now on,? you (?:must|will|are)\b|\bact as (?:an? )?"
     r"(?:unrestricted|jailbroken|unfiltered)\b"),
    ("model-tags", r"<\s*/?\s*(?:important|system|instructions?|admin|secret)\s*>"),
    ("conceal-from-user",
     r"\b(?:do not|don't|never)\s+(?:tell|inform|mention\w*|show|reveal|notify|alert)\b"
     r"[^.\n]{0,30}?\buser\b|\bwithout (?:telling|informing|notifying|alerting) the user\b"),
)

_DESCRIPTION_PATTERNS = _compiled(
    ("credential-files",
     r"~?/?\.ssh\b|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\.aws/credentials|(?<![\w.])\.env\b|"
     r"/etc/(?:passwd|shadow)\b|\.netrc\b|\.npmrc\b|\.pypirc\b|\bmcp\.json\b|"
     r"\.claude\.json\b|\.git-credentials\b|\.kube/config\b"),
    ("chained-orders",
     r"\b(?:before|after|when) (?:using|calling|running|invoking) (?:this|any|the|"
     r"another) tool\b[^.\n]{0,80}?\b(?:must|always|first|read|call|run|send|include|"
     r"pass)\b"),
)

# Invisible characters a text has no reason to carry.
_TAG = (0xE0000, 0xE007F)
_BIDI = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_ZERO_WIDTH = frozenset([0x200B, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x180E, 0xFEFF])
_JOINERS = frozenset([0x200C, 0x200D])
_BLACK_FLAG = 0x1F3F4  # emoji subdivision flags are a black flag followed by tag characters
_JOINER_RUN = 3


def _show(text: str) -> str:
    return "".join(c if c.isprintable() and not _invisible(ord(c)) else f"\\u{ord(c):04x}"
                   for c in text)


def _invisible(code: int) -> bool:
    return (_TAG[0] <= code <= _TAG[1] or code in _BIDI or code in _ZERO_WIDTH
            or code in _JOINERS)


def _excerpt(text: str, start: int, end: int) -> str:
    left = max(0, start - _EXCERPT // 2)
    right = min(len(text), max(end, start + 1) + _EXCERPT // 2)
    piece = _show(text[left:right]).replace("\n", " ")
    return ("…" if left else "") + piece + ("…" if right < len(text) else "")


def _hidden_unicode(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of unwanted invisible characters."""
    if text.isascii():
        return
    i, n = 0, len(text)
    while i < n:
        code = ord(text[i])
        if not _invisible(code):
            i += 1
            continue
        j = i
        while j < n and _invisible(ord(text[j])):
            j += 1
        run = [ord(c) for c in text[i:j]]
        flag_tags = (i > 0 and ord(text[i - 1]) == _BLACK_FLAG
                     and all(_TAG[0] <= c <= _TAG[1] for c in run) and run[-1] == _TAG[1])
        joiners_only = all(c in _JOINERS for c in run)
        lone_bom = run == [0xFEFF] and i == 0
        if not flag_tags and not lone_bom and not (joiners_only and len(run) < _JOINER_RUN):
            yield i, j
        i = j


def scan_text(text: str, *, description: bool = False, field: str = "") -> list[Finding]:
    """Findings in one text; `description` adds what only a tool description should not say."""
    text = text[:_SCAN_LIMIT]
    found: list[Finding] = []
    patterns = _MODEL_PATTERNS + (_DESCRIPTION_PATTERNS if description else ())
    for kind, pattern in patterns:
        match = pattern.search(text)
        if match:
            found.append({"kind": kind, "excerpt": _excerpt(text, *match.span()),
                          "field": field})
    for start, end in _hidden_unicode(text):
        found.append({"kind": "hidden-unicode", "excerpt": _excerpt(text, start, end),
                      "field": field})
        break  # one is enough to say so
    return found


def _strings(value: Any, path: str, skip: frozenset[str]) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from _strings(item, f"{path}.{key}" if path else str(key), skip)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]", skip)


def scan_tool(definition: dict[str, Any]) -> list[Finding]:
    """Findings in a tool's title, description and every text inside its schemas."""
    found: list[Finding] = []
    for key in ("title", "description", "inputSchema", "outputSchema", "annotations"):
        for path, text in _strings(definition.get(key), key, frozenset()):
            found.extend(scan_text(text, description=True, field=path))
    return _dedupe(found)


BINARY_BLOCKS = frozenset({"image", "audio"})  # their `data` is not words the model reads


def result_texts(result: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, text) of every text in a tool result's content and structured content."""
    content = result.get("content")
    for index, block in enumerate(content if isinstance(content, list) else ()):
        if isinstance(block, dict) and block.get("type") in BINARY_BLOCKS:
            continue
        yield from _strings(block, f"content[{index}]", frozenset({"blob"}))
    yield from _strings(result.get("structuredContent"), "structuredContent", frozenset())


def scan_result(result: dict[str, Any]) -> list[Finding]:
    """Findings in a tool result's content and structured content."""
    found: list[Finding] = []
    for path, text in result_texts(result):
        found.extend(scan_text(text, field=path))
        if len(found) >= MAX_FINDINGS:
            break
    return _dedupe(found)


def _dedupe(found: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for finding in found:
        key = (finding["kind"], finding["excerpt"])
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept[:MAX_FINDINGS]


def kinds(findings: list[Finding]) -> str:
    """Which kinds were found: what the agent may read (never the excerpt: that is the very
    text being kept from the model)."""
    return ", ".join(dict.fromkeys(f["kind"] for f in findings))


def describe(findings: list[Finding]) -> str:
    """One line for a person: which kinds, and the first excerpt."""
    return f"{kinds(findings)}: {findings[0]['excerpt']!r}" if findings else ""
