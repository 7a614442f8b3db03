"""GitHub Copilot CLI: the hook files under `.github/hooks/` and `~/.copilot/hooks/`, inline
hooks in Copilot's settings, `disableAllHooks`, and its MCP server configs."""

from __future__ import annotations

from pathlib import Path

from approvald.doctor.context import ScanContext
from approvald.doctor.findings import HIGH, Finding, finding_id
from approvald.doctor.hooks import (
    HookEntry,
    check_approvald_hooks,
    collect_flat_hooks,
    our_entries,
    unguarded_finding,
)
from approvald.doctor.mcp import raw_server_findings
from approvald.doctor.parsing import ConfigDoc, as_dict, read_json

AGENT = "copilot"
EVENTS = ("preToolUse", "PreToolUse")
COMMAND_KEYS = ("bash", "powershell", "command")
DEFAULT_HOOK_TIMEOUT_S = 30.0
TOOLS = ["bash", "edit", "create"]


def _user_dir(ctx: ScanContext) -> Path:
    return ctx.home / ".copilot"


def _hook_files(ctx: ScanContext) -> list[Path]:
    dirs = [_user_dir(ctx) / "hooks"]
    if ctx.project is not None:
        dirs.insert(0, ctx.project / ".github" / "hooks")
    files: list[Path] = []
    for d in dirs:
        try:
            files += sorted(p for p in d.glob("*.json") if p.is_file())
        except OSError:
            continue
    return files


def _settings_files(ctx: ScanContext) -> list[Path]:
    files = [_user_dir(ctx) / "settings.json"]
    if ctx.project is not None:
        files = [ctx.project / ".github" / "copilot" / "settings.json",
                 ctx.project / ".github" / "copilot" / "settings.local.json", *files]
    return files


def _mcp_files(ctx: ScanContext) -> list[Path]:
    files = [_user_dir(ctx) / "mcp-config.json"]
    if ctx.project is not None:
        files.append(ctx.project / ".github" / "mcp.json")
    return files


def config_files(ctx: ScanContext) -> list[Path]:
    files = [*_settings_files(ctx), *_mcp_files(ctx)]
    files.append(ctx.project / ".github" / "hooks" / "approvald.json" if ctx.project
                 else _user_dir(ctx) / "hooks" / "approvald.json")
    return list(dict.fromkeys([*files, *_hook_files(ctx)]))


def _in_use(ctx: ScanContext) -> bool:
    if _user_dir(ctx).is_dir():
        return True
    return ctx.project is not None and any(
        (ctx.project / ".github" / sub).is_dir() for sub in ("hooks", "copilot"))


def _entries(doc: ConfigDoc) -> list[HookEntry]:
    hooks = as_dict(doc.data.get("hooks"))
    entries = collect_flat_hooks(doc, {e: hooks[e] for e in EVENTS if e in hooks},
                                 command_keys=COMMAND_KEYS)
    return our_entries(entries, doc.data, AGENT)


def scan(ctx: ScanContext, findings: list[Finding]) -> bool:
    """Adds the findings; returns whether an approvald hook for Copilot CLI is installed."""
    if not _in_use(ctx):
        return False
    ours: list[HookEntry] = []
    switched_off: ConfigDoc | None = None
    for path in _hook_files(ctx):
        doc = read_json(path, AGENT, findings)
        if doc is None or not doc.agent_can_read:
            continue
        if doc.data.get("disableAllHooks") is True:
            if _entries(doc):
                switched_off = switched_off or doc
            continue
        ours += _entries(doc)
    for path in _settings_files(ctx):
        doc = read_json(path, AGENT, findings)
        if doc is None:
            continue
        if doc.data.get("disableAllHooks") is True and path.parent.name == "copilot" and (
                path.parent.parent.name == ".github"):
            switched_off = doc  # the repository's settings turn every non-policy hook off
        ours += _entries(doc)
    for path in _mcp_files(ctx):
        doc = read_json(path, AGENT, findings)
        if doc is not None:
            findings += raw_server_findings(
                AGENT, doc, 'Remove "{name}" from mcpServers in {file} (`/mcp` in Copilot CLI).')

    install = ("approvald install copilot --project " + str(ctx.project) if ctx.project
               else "approvald install copilot   (in each repository: Copilot CLI's hook is "
                    "per project)")
    subject = str(ctx.project or ctx.home)
    if switched_off is not None:
        findings.append(Finding(
            severity=HIGH, agent=AGENT, file=str(switched_off.path),
            line=switched_off.line_of('"disableAllHooks"'),
            title="Copilot CLI's hooks are switched off (disableAllHooks)",
            detail="With disableAllHooks set, Copilot CLI skips the approvald hook, so bash, "
                   "edits and MCP calls run without approvald's policy.",
            fix=f'Remove "disableAllHooks": true from {switched_off.path}.',
            id=finding_id(AGENT, "hooks-disabled", str(switched_off.path)),
        ))
        ours = []
    if not ours:
        findings.append(unguarded_finding(
            agent=AGENT, label="Copilot CLI",
            file=(ctx.project / ".github" / "hooks" / "approvald.json") if ctx.project
            else _user_dir(ctx) / "hooks",
            subject=subject, missing=TOOLS, own_prompt_off=False,
            hook_fix=f"Run `{install}`.",
            native_fix="never start Copilot CLI with --yolo or --allow-all-tools.",
            reason="Hooks are switched off (disableAllHooks)." if switched_off else "",
        ))
    findings.extend(check_approvald_hooks(
        ours, ctx, agent=AGENT, timeout_unit_s=1.0,
        default_timeout_s=DEFAULT_HOOK_TIMEOUT_S, reinstall=install,
    ))
    return bool(ours)
