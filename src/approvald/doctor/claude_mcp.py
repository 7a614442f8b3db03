"""Claude Code's MCP servers: user and local scope (~/.claude.json), project (.mcp.json) and
managed (managed-mcp.json), checked for raw servers beside approvald."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approvald.doctor.commands import matcher_covers
from approvald.doctor.context import ScanContext
from approvald.doctor.findings import MEDIUM, Finding, finding_id
from approvald.doctor.hooks import HookEntry
from approvald.doctor.mcp import is_disabled, raw_server_finding
from approvald.doctor.parsing import ConfigDoc, as_dict, as_list, read_json
from approvald.doctor.plaintext import plaintext_secret_findings

AGENT = "claude-code"


def enable_all_mcp_finding(path: str, line: int | None) -> Finding:
    return Finding(
        severity=MEDIUM,
        agent=AGENT,
        file=path,
        line=line,
        title="Every project MCP server is approved automatically (enableAllProjectMcpServers)",
        detail=(
            "Any server a repository lists in its .mcp.json starts without asking you, including "
            "shell or filesystem servers that act beside approvald."
        ),
        fix=f'Set "enableAllProjectMcpServers": false in {path} and approve servers one by one.',
        id=finding_id(AGENT, "enable-all-project-mcp", path),
    )


@dataclass
class Server:
    name: str
    spec: Any
    doc: ConfigDoc
    where: str  # which scope configured it, for the detail
    line: int | None
    project: str | None = None  # the project of a local-scope server


def _servers(ctx: ScanContext, docs: list[ConfigDoc], findings: list[Finding]) -> list[Server]:
    """Every configured server Claude Code may start."""
    out: list[Server] = []
    disabled: set[str] = set()
    for settings in docs:
        disabled.update(s for s in as_list(settings.data.get("disabledMcpjsonServers")) if
                        isinstance(s, str))

    def add(doc: ConfigDoc, servers: Any, where: str, *anchors: str,
            project: str | None = None) -> None:
        for name, spec in as_dict(servers).items():
            line = doc.line_of(*anchors, '"mcpServers"', f'"{name}"')
            out.append(Server(name, spec, doc, where, line, project))

    user_doc = read_json(ctx.claude_json, AGENT, findings)
    if user_doc is not None:
        add(user_doc, user_doc.data.get("mcpServers"), "user scope")
        for key, entry in as_dict(user_doc.data.get("projects")).items():
            entry = as_dict(entry)
            if ctx.project is not None and not _same_path(key, ctx.project):
                continue
            disabled.update(s for s in as_list(entry.get("disabledMcpjsonServers"))
                            if isinstance(s, str))
            anchor = json.dumps(key)
            if entry.get("enableAllProjectMcpServers") is True:
                findings.append(enable_all_mcp_finding(
                    str(user_doc.path),
                    user_doc.line_of(anchor, '"enableAllProjectMcpServers"')))
            add(user_doc, entry.get("mcpServers"), f"local scope of project {key}", anchor,
                project=key)
    if ctx.project is not None:
        mcp_doc = read_json(ctx.project / ".mcp.json", AGENT, findings)
        if mcp_doc is not None:
            servers = {n: s for n, s in as_dict(mcp_doc.data.get("mcpServers")).items()
                       if n not in disabled}
            add(mcp_doc, servers, "project .mcp.json")
    for d in ctx.roots.claude_managed_dirs:
        managed_doc = read_json(d / "managed-mcp.json", AGENT, findings)
        if managed_doc is not None:
            add(managed_doc, managed_doc.data.get("mcpServers"), "managed")
    return out


def _same_path(key: str, project: Path) -> bool:
    def norm(text: str) -> str:
        text = text.replace("\\", "/").rstrip("/")
        return text.casefold() if re.match(r"^[A-Za-z]:/", text) else text

    return norm(key) in {norm(str(project)), norm(str(project.resolve()))}


def check_mcp(
    ctx: ScanContext, docs: list[ConfigDoc], ours: list[HookEntry], findings: list[Finding]
) -> None:
    """Raw MCP servers in ~/.claude.json (user and local scope), .mcp.json and managed-mcp.json;
    `docs` are the settings files (for disabledMcpjsonServers)."""
    for server in _servers(ctx, docs, findings):
        name, spec, doc, where = server.name, server.spec, server.doc, server.where
        if is_disabled(spec):
            continue
        seen = any(matcher_covers(e.matcher, f"mcp__{name}__call") for e in ours)
        note = (
            "The approvald hook sees its calls only as opaque MCP calls, not as the shell "
            "commands or paths inside them."
            if seen
            else "No approvald hook covers mcp__ tools, so its calls bypass approvald entirely."
        )
        finding = raw_server_finding(
            AGENT,
            name,
            spec,
            file=str(doc.path),
            line=server.line,
            where=where,
            local_project=server.project,
            detail_end=f". {note}",
            fix=(
                f"Remove '{name}' (`claude mcp remove {name}`) and let Claude Code use its "
                f"native tools through the approvald hook, or deny it with "
                f'"permissions": {{"deny": ["mcp__{name}"]}}.'
            ),
        )
        if finding is not None:
            findings.append(finding)
        findings += plaintext_secret_findings(AGENT, name, spec, file=str(doc.path),
                                              line=server.line, where=where)
