"""Cursor: `mcp.json`, `hooks.json` and `permissions.json`, per user and per project."""

from __future__ import annotations

from pathlib import Path

from approvald.doctor.commands import matcher_covers
from approvald.doctor.context import ScanContext
from approvald.doctor.findings import MEDIUM, Finding, finding_id
from approvald.doctor.hooks import (
    HookEntry,
    check_approvald_hooks,
    collect_flat_hooks,
    our_entries,
    unguarded_finding,
)
from approvald.doctor.mcp import raw_server_findings
from approvald.doctor.parsing import ConfigDoc, as_dict, as_list, read_json
from approvald.doctor.rules import shell_rule_reason

AGENT = "cursor"
TOOL_EVENT = "preToolUse"


def config_files(ctx: ScanContext) -> list[Path]:
    return [d / n for d in ctx.agent_dirs(".cursor")
            for n in ("mcp.json", "hooks.json", "permissions.json")]


# What each part of Cursor's agent needs for approvald to see it: (what, events that cover it,
# the preToolUse tool name that covers it).
COVERAGE = (
    ("terminal commands", ("beforeShellExecution",), "Shell"),
    ("file reads", ("beforeReadFile",), "Read"),
    ("MCP tool calls", ("beforeMCPExecution",), None),
    ("file edits", (), "Write"),
)


def _uncovered(ours: list[HookEntry]) -> list[str]:
    missing = []
    for what, events, tool in COVERAGE:
        if not any(e.event in events or (tool and e.event == TOOL_EVENT
                                         and matcher_covers(e.matcher, tool)) for e in ours):
            missing.append(what)
    return missing


def scan(ctx: ScanContext, findings: list[Finding]) -> bool:
    if not any(d.is_dir() for d in ctx.agent_dirs(".cursor")):
        return False
    ours: list[HookEntry] = []
    broad_allow = False
    for d in ctx.agent_dirs(".cursor"):
        hooks_doc = read_json(d / "hooks.json", AGENT, findings, jsonc=True)
        if hooks_doc is not None:
            entries = collect_flat_hooks(hooks_doc, hooks_doc.data.get("hooks"))
            ours += our_entries(entries, hooks_doc.data, AGENT)
        perm_doc = read_json(d / "permissions.json", AGENT, findings, jsonc=True)
        if perm_doc is not None:
            broad_allow |= _check_permissions(perm_doc, findings)
        mcp_doc = read_json(d / "mcp.json", AGENT, findings, jsonc=True)
        if mcp_doc is not None:
            findings += raw_server_findings(
                AGENT, mcp_doc, 'Remove "{name}" from mcpServers in {file} (or turn it off in '
                "Cursor's MCP settings).")
    hooks_file = (ctx.project or ctx.home) / ".cursor" / "hooks.json"
    install = ("approvald install cursor --scope project --project " + str(ctx.project)
               if ctx.project else "approvald install cursor")
    missing = _uncovered(ours)
    if "terminal commands" in missing:
        findings.append(
            unguarded_finding(
                agent=AGENT, label="Cursor",
                file=hooks_file,
                subject=str(ctx.project or ctx.home), missing=missing,
                own_prompt_off=broad_allow,
                hook_fix=f"Run `{install}` (or `approvald install cursor` for every project).",
                native_fix="keep Cursor's terminal commands on ask (no auto-run) and remove "
                "broad entries from terminalAllowlist.",
            )
        )
    elif missing:
        findings.append(Finding(
            severity=MEDIUM,
            agent=AGENT,
            file=str(hooks_file),
            title=f"The approvald hook does not cover Cursor's {', '.join(missing)}",
            detail=f"approvald guards Cursor's terminal, but no approvald hook sees "
                   f"{', '.join(missing)}: those run outside approvald's policy.",
            fix=f"Run `{install}` to add the missing events.",
            id=finding_id(AGENT, "partial-coverage", str(ctx.project or ctx.home)),
        ))
    for entry in ours:
        if entry.doc.data and _fails_open(entry):
            findings.append(Finding(
                severity=MEDIUM,
                agent=AGENT,
                file=str(entry.file),
                line=entry.line,
                title=f"The approvald {entry.event} hook lets the action run if it fails",
                detail="Without \"failClosed\": true, Cursor runs the action when a hook "
                       "crashes, times out or answers something it cannot read.",
                fix=f'Add "failClosed": true to that entry, or run `{install}`.',
                id=finding_id(AGENT, "hook-fail-open", str(entry.file), entry.event),
            ))
    findings.extend(
        check_approvald_hooks(
            ours, ctx,
            agent=AGENT, timeout_unit_s=1.0,
            default_timeout_s=float("inf"),  # Cursor's default is not documented: don't guess
            reinstall=install,
        )
    )
    return bool(ours)


def _fails_open(entry: HookEntry) -> bool:
    for item in as_list(as_dict(entry.doc.data.get("hooks")).get(entry.event)):
        item = as_dict(item)
        if item.get("command") == entry.command:
            return item.get("failClosed") is not True
    return False


def _check_permissions(doc: ConfigDoc, out: list[Finding]) -> bool:
    path = str(doc.path)
    broad = False
    for entry in as_list(doc.data.get("terminalAllowlist")):
        if not isinstance(entry, str):
            continue
        reason = shell_rule_reason(entry, prefix=True)
        if reason is None:
            continue
        broad = True
        out.append(
            _allowlist_finding(
                doc,
                "terminalAllowlist",
                entry,
                "allow-rule",
                title=f"terminalAllowlist entry '{entry}' auto-runs {reason}",
                detail=f"Cursor runs commands starting with '{entry}' without asking; approvald's "
                f"policy puts {reason} in front of a person.",
                fix=f"Remove '{entry}' from terminalAllowlist in {path}.",
            )
        )
    for entry in as_list(doc.data.get("mcpAllowlist")):
        if isinstance(entry, str) and "*" in entry:
            out.append(
                _allowlist_finding(
                    doc,
                    "mcpAllowlist",
                    entry,
                    "mcp-allow",
                    title=f"mcpAllowlist entry '{entry}' auto-runs every matching MCP tool",
                    detail="Wildcard MCP allowlist entries run whole servers' tools unasked.",
                    fix=f"Replace '{entry}' in {path} with the individual read-only tools.",
                )
            )
    return broad


def _allowlist_finding(
    doc: ConfigDoc, key: str, entry: str, kind: str, *, title: str, detail: str, fix: str
) -> Finding:
    """A too-broad entry of permissions.json's `key` list, located at that entry."""
    path = str(doc.path)
    return Finding(
        severity=MEDIUM,
        agent=AGENT,
        file=path,
        line=doc.line_of(f'"{key}"', f'"{entry}"'),
        title=title,
        detail=detail,
        fix=fix,
        id=finding_id(AGENT, kind, path, entry),
    )
