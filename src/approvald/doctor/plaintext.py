"""Secrets written in plain text into an MCP server's entry (its `env`, `headers`, `args` or
URL): every agent that can read the config file can read them, and they sit on disk unguarded.
Found with the one redactor (approvald.redaction): what it would redact is a secret here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from approvald.doctor.findings import MEDIUM, Finding, finding_id
from approvald.redaction import redact_obj

# What stands for a value kept elsewhere: `${VAR}`, `$VAR`, `Bearer ${VAR}`, `{env:VAR}`.
_REFERENCE = re.compile(r"(?:Bearer\s+|token\s+)?(?:\$\{?\w+\}?|\{env:\w+\})", re.IGNORECASE)
_SHORTEST = 8  # "1", "true", "" under a secret-named key are no secret
_FIELDS = ("env", "headers", "args", "url", "httpUrl", "command", "http_headers", "bearer_token")


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _leaves(inner, f"{path}[{index}]")
    else:
        yield path, value


def secret_fields(spec: Any) -> list[str]:
    """Where in one server entry a secret is written as it is (`env.GITHUB_TOKEN`, ...)."""
    if not isinstance(spec, dict):
        return []
    found = []
    for field in _FIELDS:
        if field not in spec:
            continue
        # Redaction keeps the shape and order: leaf for leaf, and named by the redacted path,
        # so a key that is a secret (`env.ghp_...`) is found without being repeated.
        leaves = zip(_leaves(spec[field], field), _leaves(redact_obj(spec[field]), field),
                     strict=True)
        found += [where for (path, value), (where, clean) in leaves
                  if where != path or (isinstance(value, str) and len(value) >= _SHORTEST
                                       and not _REFERENCE.fullmatch(value.strip())
                                       and clean != value)]
    return list(dict.fromkeys(found))


def plaintext_secret_findings(agent: str, name: str, spec: Any, *, file: str,
                              line: int | None, where: str = "") -> list[Finding]:
    fields = secret_fields(spec)
    if not fields:
        return []
    scope = f" ({where})" if where else ""
    first = fields[0].split(".", 1)[-1].split("[", 1)[0]
    reference = "${" + first + "}" if fields[0].startswith("env.") else "${MY_TOKEN}"
    return [Finding(
        severity=MEDIUM,
        agent=agent,
        file=file,
        line=line,
        title=f"MCP server '{name}' holds a secret in plain text ({', '.join(fields[:3])})",
        detail=(f"'{name}'{scope} has a token or password written into its entry. Any agent "
                f"that reads {file} reads it, and it sits on disk unguarded."),
        fix=(f"Replace the value with a reference the agent expands ({reference}), keep the "
             f"value in your keyring (`approvald secrets set {first}`) or your environment, "
             "and rotate it: it has been on disk."),
        id=finding_id(agent, "mcp-plaintext-secret", file, where, name),
    )]
