"""Gemini CLI: system settings, `~/.gemini/settings.json`, a project's `.gemini/settings.json`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from approvald.doctor.context import ScanContext
from approvald.doctor.findings import HIGH, LOW, MEDIUM, Finding, finding_id
from approvald.doctor.hooks import (
    HookEntry,
    check_approvald_hooks,
    collect_hooks,
    our_entries,
    uncovered,
    unguarded_finding,
)
from approvald.doctor.mcp import is_disabled, raw_server_finding
from approvald.doctor.parsing import ConfigDoc, as_dict, as_list, as_str, read_json
from approvald.doctor.plaintext import plaintext_secret_findings
from approvald.doctor.rules import shell_rule_reason

AGENT = "gemini"
SHELL = ("run_shell_command", "ShellTool")
WRITES = ("write_file", "replace", "WriteFileTool", "EditTool")
TOOLS = ["run_shell_command", "write_file", "replace"]
DEFAULT_HOOK_TIMEOUT_MS = 60000.0
_TOOL_RULE = re.compile(r"^\s*([A-Za-z_]+)\s*(?:\((.*)\))?\s*$", re.S)


def _files(ctx: ScanContext) -> list[Path]:
    files = list(ctx.roots.gemini_system_files)
    files.append(ctx.home / ".gemini" / "settings.json")
    if ctx.project is not None:
        files.append(ctx.project / ".gemini" / "settings.json")
    return list(dict.fromkeys(files))


def config_files(ctx: ScanContext) -> list[Path]:
    return _files(ctx)


def _in_use(ctx: ScanContext) -> bool:
    dirs = [ctx.home / ".gemini"] + ([ctx.project / ".gemini"] if ctx.project else [])
    return any(d.is_dir() for d in dirs) or any(f.is_file() for f in _files(ctx))


def _get(data: dict[str, Any], dotted: str, legacy: str = "") -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = as_dict(node).get(part)
    return data.get(legacy) if node is None and legacy else node


def scan(ctx: ScanContext, findings: list[Finding]) -> bool:
    if not _in_use(ctx):
        return False
    docs = [d for f in _files(ctx) if (d := read_json(f, AGENT, findings, jsonc=True))]
    entries: list[HookEntry] = []
    hooks_off: ConfigDoc | None = None
    yolo_blocked = False
    shell_enabled = writes_enabled = True
    disabled: set[str] = set()
    trust_on = True
    for doc in docs:
        data = doc.data
        entries += our_entries(collect_hooks(doc, data.get("hooks"), "BeforeTool"), data, AGENT)
        if as_dict(data.get("hooksConfig")).get("enabled") is False or _get(
                data, "tools.enableHooks") is False:
            hooks_off = doc
        disabled |= {d for d in as_list(as_dict(data.get("hooksConfig")).get("disabled"))
                     if isinstance(d, str)}
        if _get(data, "security.folderTrust.enabled") is False:
            trust_on = False
        if _get(data, "security.disableYoloMode") is True or _get(
            data, "admin.secureModeEnabled"
        ) is True:
            yolo_blocked = True
        core = _get(data, "tools.core", "coreTools")
        excluded = [e for e in as_list(_get(data, "tools.exclude", "excludeTools"))
                    if isinstance(e, str)]
        if isinstance(core, list):
            names = {_TOOL_RULE.match(c).group(1) for c in core  # type: ignore[union-attr]
                     if isinstance(c, str) and _TOOL_RULE.match(c)}
            shell_enabled &= bool(names & set(SHELL))
            writes_enabled &= bool(names & set(WRITES))
        if set(excluded) & set(SHELL):
            shell_enabled = False
        if set(excluded) & set(WRITES):
            writes_enabled = False
    ours = [e for e in entries if not _named_in(e, disabled)]
    for entry in entries:
        if _named_in(entry, disabled):
            findings.append(_hook_off_finding(entry))
    own_prompt_off = False
    for doc in docs:
        own_prompt_off |= _check_modes(doc, yolo_blocked, findings)
        own_prompt_off |= _check_allowed(doc, findings)
        _check_mcp(doc, findings)
    wanted = [t for t in TOOLS if (t == "run_shell_command" and shell_enabled)
              or (t != "run_shell_command" and writes_enabled)]
    missing = wanted if hooks_off else uncovered(ours, wanted)
    settings = (ctx.project or ctx.home) / ".gemini" / "settings.json"
    install = "approvald install gemini" + (
        f"   (every project), or: approvald install gemini --scope project --project "
        f"{ctx.project}" if ctx.project else "")
    if missing:
        findings.append(
            unguarded_finding(
                agent=AGENT, label="Gemini CLI",
                file=hooks_off.path if hooks_off else settings,
                subject=str(ctx.project or ctx.home), missing=missing,
                own_prompt_off=own_prompt_off,
                hook_fix=f"Run `{install}`.",
                native_fix='keep "general.defaultApprovalMode" at "default", never start with '
                "--yolo, and remove shell entries from tools.allowed.",
                reason='Hooks are switched off ("hooksConfig": {"enabled": false}).'
                if hooks_off else "",
            )
        )
    findings.extend(
        check_approvald_hooks(
            ours, ctx,
            agent=AGENT, timeout_unit_s=0.001,
            default_timeout_s=DEFAULT_HOOK_TIMEOUT_MS / 1000,
            reinstall=install,
        )
    )
    if ours and not hooks_off and trust_on and ctx.project is not None and not _trusted(
            ctx.home, ctx.project):
        findings.append(Finding(
            severity=MEDIUM, agent=AGENT, file=str(ctx.home / ".gemini" / TRUSTED_FOLDERS),
            title="Gemini CLI runs no hooks in this folder until you trust it",
            detail=f"Folder trust is on and {ctx.project} is not a trusted folder: Gemini CLI "
                   "skips every settings hook there, the approvald hook included.",
            fix="Start `gemini` in the folder and trust it (or /permissions).",
            id=finding_id(AGENT, "folder-untrusted", str(ctx.project)),
        ))
    return bool(ours)


TRUSTED_FOLDERS = "trustedFolders.json"


def _trusted(home: Path, folder: Path) -> bool:
    """Whether ~/.gemini/trustedFolders.json trusts `folder` (the longest matching rule wins;
    TRUST_PARENT trusts the rule's parent directory)."""
    import json
    import os

    try:
        rules = json.loads((home / ".gemini" / TRUSTED_FOLDERS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    target = os.path.realpath(folder)
    best, level = -1, ""
    for rule, value in as_dict(rules).items():
        base = os.path.dirname(rule) if value == "TRUST_PARENT" else rule
        base = os.path.realpath(base)
        if (target == base or target.startswith(base.rstrip(os.sep) + os.sep)) and len(
                rule) > best:
            best, level = len(rule), str(value)
    return level in ("TRUST_FOLDER", "TRUST_PARENT")


def _named_in(entry: HookEntry, disabled: set[str]) -> bool:
    """Gemini CLI names a hook by its `name`, else its command, in hooksConfig.disabled."""
    hooks = as_dict(entry.doc.data.get("hooks"))
    for group in as_list(hooks.get(entry.event)):
        for hook in as_list(as_dict(group).get("hooks")):
            hook = as_dict(hook)
            if hook.get("command") == entry.command:
                return (as_str(hook.get("name")) or entry.command) in disabled
    return entry.command in disabled


def _hook_off_finding(entry: HookEntry) -> Finding:
    return Finding(
        severity=HIGH, agent=AGENT, file=str(entry.file), line=entry.line,
        title="The approvald hook is turned off in Gemini CLI (hooksConfig.disabled)",
        detail="hooksConfig.disabled names the approvald hook, so Gemini CLI skips it.",
        fix='Remove "approvald" from hooksConfig.disabled (or `/hooks enable approvald`).',
        id=finding_id(AGENT, "hook-disabled", str(entry.file), entry.command),
    )


def _check_modes(doc: ConfigDoc, yolo_blocked: bool, out: list[Finding]) -> bool:
    path = str(doc.path)
    mode = _get(doc.data, "general.defaultApprovalMode", "defaultApprovalMode") or as_str(
        doc.data.get("approvalMode")
    )
    if mode in ("yolo", "auto_edit"):
        yolo = mode == "yolo"
        key = "defaultApprovalMode" if "defaultApprovalMode" in doc.text else "approvalMode"
        out.append(
            Finding(
                severity=(LOW if yolo_blocked else HIGH) if yolo else MEDIUM,
                agent=AGENT,
                file=path,
                line=doc.line_of(f'"{key}"'),
                title=f"Gemini CLI's approval mode is {mode}"
                + (" (blocked by security.disableYoloMode)" if yolo and yolo_blocked else ""),
                detail="yolo approves every tool call without asking."
                if yolo else "auto_edit writes files without asking.",
                fix=f'In {path} set "general": {{"defaultApprovalMode": "default"}}; to forbid '
                'yolo, add "security": {"disableYoloMode": true}.',
                id=finding_id(AGENT, "bypass-mode", path),
            )
        )
        return not (yolo and yolo_blocked)
    if doc.data.get("autoAccept") is True:
        out.append(
            Finding(
                severity=LOW,
                agent=AGENT,
                file=path,
                line=doc.line_of('"autoAccept"'),
                title="Gemini CLI auto-accepts tool calls it deems safe (autoAccept)",
                detail="autoAccept runs read-only tool calls without asking.",
                fix=f'Set "autoAccept": false in {path}.',
                id=finding_id(AGENT, "auto-accept", path),
            )
        )
    return False


def _check_allowed(doc: ConfigDoc, out: list[Finding]) -> bool:
    path = str(doc.path)
    broad = False
    for rule in as_list(_get(doc.data, "tools.allowed", "allowedTools")):
        match = _TOOL_RULE.match(rule) if isinstance(rule, str) else None
        if match is None:
            continue
        tool, spec = match.group(1), match.group(2)
        reason = None
        if tool in SHELL:
            reason = shell_rule_reason(spec or "", prefix=True)
        elif tool in WRITES and not spec:
            reason = "writes to any file (including .env and ~/.ssh)"
        if reason is None:
            continue
        broad = True
        out.append(
            Finding(
                severity=MEDIUM,
                agent=AGENT,
                file=path,
                line=doc.line_of('"allowed"', f'"{rule}"') or doc.line_of(f'"{rule}"'),
                title=f"tools.allowed entry {rule} pre-approves {reason}",
                detail=f"Gemini CLI runs what `{rule}` matches without asking; approvald's policy "
                f"puts {reason} in front of a person.",
                fix=f'Remove "{rule}" from tools.allowed in {path}.',
                id=finding_id(AGENT, "allow-rule", path, rule),
            )
        )
    return broad


def _check_mcp(doc: ConfigDoc, out: list[Finding]) -> None:
    path = str(doc.path)
    excluded = {e for e in as_list(_get(doc.data, "mcp.excluded")) if isinstance(e, str)}
    for name, spec in as_dict(doc.data.get("mcpServers")).items():
        if is_disabled(spec) or name in excluded:
            continue
        line = doc.line_of(f'"{name}"')
        if as_dict(spec).get("trust") is True:
            out.append(
                Finding(
                    severity=HIGH,
                    agent=AGENT,
                    file=path,
                    line=doc.line_of(f'"{name}"', '"trust"') or line,
                    title=f"MCP server '{name}' is trusted: its tool calls skip confirmation",
                    detail=f"trust: true makes Gemini CLI run every tool of '{name}' unasked.",
                    fix=f'Remove "trust": true from mcpServers.{name} in {path}.',
                    id=finding_id(AGENT, "mcp-trust", path, name),
                )
            )
        finding = raw_server_finding(
            AGENT,
            name,
            spec,
            file=path,
            line=line,
            fix=f'Remove "{name}" from mcpServers in {path}, or add it to "mcp": '
            '{"excluded": [...]}.',
        )
        if finding is not None:
            out.append(finding)
        out += plaintext_secret_findings(AGENT, name, spec, file=path, line=line)
