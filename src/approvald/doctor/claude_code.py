"""Claude Code: settings (managed, user, project, local), `.mcp.json` and `~/.claude.json`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from approvald.doctor.claude_mcp import check_mcp, enable_all_mcp_finding
from approvald.doctor.context import ScanContext
from approvald.doctor.findings import HIGH, LOW, MEDIUM, Finding, finding_id
from approvald.doctor.hooks import (
    HookEntry,
    check_approvald_hooks,
    collect_hooks,
    our_entries,
    uncovered,
)
from approvald.doctor.parsing import ConfigDoc, as_dict, as_list, read_json
from approvald.doctor.rules import shell_rule_reason

AGENT = "claude-code"
# Unguarded, these let the agent change the machine: high.
WRITE_TOOLS = ["Bash", "Write", "Edit", "MultiEdit", "NotebookEdit"]
# Unguarded, these let it read secrets or reach the network: medium.
READ_TOOLS = ["Read", "WebFetch"]
DEFAULT_HOOK_TIMEOUT_S = 600.0  # Claude Code's default for command hooks
_RULE = re.compile(r"^\s*([A-Za-z0-9_]+)\s*(?:\((.*)\))?\s*$", re.S)


@dataclass
class Scope:
    name: str  # managed | user | project | local
    doc: ConfigDoc


def _settings_paths(ctx: ScanContext) -> list[tuple[str, Path]]:
    paths = [("managed", d / "managed-settings.json") for d in ctx.roots.claude_managed_dirs]
    paths.append(("user", ctx.claude_user_dir / "settings.json"))
    if ctx.project is not None:
        paths.append(("project", ctx.project / ".claude" / "settings.json"))
        paths.append(("local", ctx.project / ".claude" / "settings.local.json"))
    seen: set[Path] = set()
    unique = []
    for scope, path in paths:
        if path not in seen:
            seen.add(path)
            unique.append((scope, path))
    return unique


def config_files(ctx: ScanContext) -> list[Path]:
    files = [p for _, p in _settings_paths(ctx)]
    files += [d / "managed-mcp.json" for d in ctx.roots.claude_managed_dirs]
    files.append(ctx.claude_json)
    if ctx.project is not None:
        files.append(ctx.project / ".mcp.json")
    return files


def _in_use(ctx: ScanContext) -> bool:
    dirs = [ctx.claude_user_dir] + ([ctx.project / ".claude"] if ctx.project else [])
    return any(d.is_dir() for d in dirs) or any(p.is_file() for p in config_files(ctx))


def _our_hooks(scopes: list[Scope]) -> list[HookEntry]:
    ours: list[HookEntry] = []
    for scope in scopes:
        if scope.doc.agent_can_read:
            entries = collect_hooks(scope.doc, scope.doc.data.get("hooks"), "PreToolUse")
            # Only the decision hook decides: `hook claude-code PostToolUse` under PreToolUse
            # would answer in another event's form.
            ours += [e for e in our_entries(entries, scope.doc.data, AGENT)
                     if e.approvald is not None and not e.approvald.event]
    return ours


def _plugin_doc(scopes: list[Scope], findings: list[Finding]) -> ConfigDoc | None:
    """approvald's plugin's hooks.json, when the plugin is enabled (install --plugin): the
    settings of the highest scope that says decide, managed above local above project above
    user."""
    from approvald.install.plugin import MARKETPLACE, PLUGIN, PLUGIN_ID

    order = {"user": 0, "project": 1, "local": 2, "managed": 3}
    enabled: object = None
    root: object = None
    for scope in sorted(scopes, key=lambda s: order.get(s.name, 0)):
        if not scope.doc.agent_can_read:
            continue
        plugins = as_dict(scope.doc.data.get("enabledPlugins"))
        if PLUGIN_ID in plugins:
            enabled = plugins[PLUGIN_ID]
        source = as_dict(as_dict(as_dict(scope.doc.data.get("extraKnownMarketplaces"))
                                 .get(MARKETPLACE)).get("source"))
        if source.get("source") == "directory" and isinstance(source.get("path"), str):
            root = source["path"]
    if enabled is not True or not isinstance(root, str):
        return None
    return read_json(Path(root) / PLUGIN / "hooks" / "hooks.json", AGENT, findings)


def _check_events(docs: list[ConfigDoc], findings: list[Finding], fix: str) -> None:
    """With the decision hook installed, approvald's other Claude Code hooks should be too."""
    from approvald.agents import get_agent
    from approvald.install.hooks import find_installed_hooks

    present = {(h["event"], h.get("argument")) for doc in docs if doc.agent_can_read
               for h in find_installed_hooks(doc.data, AGENT)}
    missing = [e.name for e in get_agent(AGENT).hook_events if (e.name, e.name) not in present]
    if not missing:
        return
    file = str(docs[0].path) if docs else ""
    findings.append(Finding(
        severity=MEDIUM if {"PostToolUse", "PostToolUseFailure", "ConfigChange"} & set(missing)
        else LOW,
        agent=AGENT, file=file,
        title=f"approvald's {', '.join(missing)} hook(s) for Claude Code are not installed",
        detail=("Only the PreToolUse decision runs: "
                + "; ".join(_WHAT_EVENTS[e] for e in missing if e in _WHAT_EVENTS)
                + " (docs/HOOKS.md). An install from before these hooks existed looks so."),
        fix=fix, id=finding_id(AGENT, "missing-events", file)))


_WHAT_EVENTS = {
    "PostToolUse": "secrets in tool output reach the model",
    "PostToolUseFailure": "a failed command's secret goes unnoticed",
    "ConfigChange": "a settings change can switch approvald off mid-session",
    "PermissionRequest": "Claude Code's own prompts do not show in approvald",
    "SessionStart": "sessions are not registered",
    "SessionEnd": "an ended session's approvals wait until they time out",
}


def _reinstall(ctx: ScanContext, scope: str) -> str:
    if scope == "plugin":
        return "approvald install claude-code --plugin"
    if scope == "managed":
        return "ask your administrator to fix the managed settings"
    if scope in ("project", "local"):
        return f"approvald install claude-code --scope {scope} --project {ctx.project}"
    return "approvald install claude-code --scope user"


def _install_fix(ctx: ScanContext) -> str:
    if ctx.project is None:
        return "approvald install claude-code --scope user"
    return (
        f"approvald install claude-code --scope user   (every project), or: "
        f"approvald install claude-code --scope project --project {ctx.project}"
    )


def scan(ctx: ScanContext, findings: list[Finding]) -> bool:
    """Adds the findings; returns whether an approvald hook for Claude Code is installed."""
    if not _in_use(ctx):
        return False
    scopes: list[Scope] = []
    for name, path in _settings_paths(ctx):
        doc = read_json(path, AGENT, findings)
        if doc is not None:
            scopes.append(Scope(name, doc))
    managed = [s for s in scopes if s.name == "managed" and s.doc.agent_can_read]
    managed_only = any(s.doc.data.get("allowManagedHooksOnly") is True for s in managed)
    hook_scopes = managed if managed_only else scopes
    ours = _our_hooks(hook_scopes)
    plugin = _plugin_doc(scopes, findings)
    if plugin is not None and not managed_only:
        plugin_scope = Scope("plugin", plugin)
        hook_scopes = [*hook_scopes, plugin_scope]
        ours += _our_hooks([plugin_scope])

    _check_coverage(ctx, scopes, ours, managed_only, findings)
    if ours:
        _check_events([e.doc for e in ours] + [s.doc for s in hook_scopes], findings,
                      _reinstall(ctx, "user") if plugin is None
                      else "approvald install claude-code --plugin")
    for scope in hook_scopes:
        findings.extend(
            check_approvald_hooks(
                [e for e in ours if e.doc is scope.doc], ctx,
                agent=AGENT,
                timeout_unit_s=1.0,
                default_timeout_s=DEFAULT_HOOK_TIMEOUT_S,
                reinstall=_reinstall(ctx, scope.name),
            )
        )
    bypass_disabled = any(
        as_dict(s.doc.data.get("permissions")).get("disableBypassPermissionsMode") == "disable"
        for s in managed
    )
    for scope in scopes:
        _check_modes(scope, bypass_disabled, findings)
        _check_allow_rules(scope, findings)
    check_mcp(ctx, [s.doc for s in scopes], ours, findings)
    return bool(ours)


def _check_coverage(
    ctx: ScanContext,
    scopes: list[Scope],
    ours: list[HookEntry],
    managed_only: bool,
    findings: list[Finding],
) -> None:
    subject = str(ctx.project or ctx.home)
    for scope in scopes:
        if scope.doc.agent_can_read and scope.doc.data.get("disableAllHooks") is True:
            path = scope.doc.path
            findings.append(
                Finding(
                    severity=HIGH,
                    agent=AGENT,
                    file=str(path),
                    line=scope.doc.line_of('"disableAllHooks"'),
                    title="Claude Code hooks are switched off (disableAllHooks)",
                    detail=(
                        "With disableAllHooks set, Claude Code runs no hooks at all, so the "
                        "approvald hook never sees Bash, file edits or MCP calls."
                    ),
                    fix=f'Remove "disableAllHooks": true from {path}.',
                    id=finding_id(AGENT, "hooks-disabled", str(path)),
                )
            )
            return
    denied = set()
    for scope in scopes:
        for rule in as_list(as_dict(scope.doc.data.get("permissions")).get("deny")):
            if isinstance(rule, str) and _RULE.match(rule) and "(" not in rule:
                denied.add(rule.strip())
    missing_write = [t for t in uncovered(ours, WRITE_TOOLS) if t not in denied]
    missing_read = [t for t in uncovered(ours, READ_TOOLS) if t not in denied]
    if not missing_write and not missing_read:
        return
    where = "managed settings only allow managed hooks; " if managed_only else ""
    file = str(ctx.project / ".claude" / "settings.json") if ctx.project else str(
        ctx.claude_user_dir / "settings.json"
    )
    if not ours:
        title = "Claude Code runs Bash and file tools without the approvald hook"
        detail = (
            f"{where}No PreToolUse hook runs `approvald hook claude-code`, so "
            f"{', '.join(missing_write + missing_read)} run without approvald's policy: "
            "`git push`, `terraform apply` or a write to .env happen with no approval."
        )
        unreadable = [
            str(s.doc.path) for s in scopes if not s.doc.agent_can_read
            and any(e.approvald for e in collect_hooks(s.doc, s.doc.data.get("hooks"),
                                                         "PreToolUse"))
        ]
        if unreadable:
            detail += (
                f" The approvald hook in {', '.join(unreadable)} does not count: Claude Code "
                "cannot parse that file (see the finding about it)."
            )
        kind = "unguarded-tools"
    else:
        missing = missing_write or missing_read
        title = f"The approvald hook does not cover {', '.join(missing)}"
        detail = (
            "The approvald PreToolUse hook's matcher leaves out "
            f"{', '.join(missing_write + missing_read)}; those tools run without approvald's "
            "policy."
        )
        kind = "unguarded-tools" if missing_write else "partial-coverage"
    findings.append(
        Finding(
            severity=HIGH if missing_write else MEDIUM,
            agent=AGENT,
            file=file,
            title=title,
            detail=detail,
            fix=_install_fix(ctx),
            id=finding_id(AGENT, kind, subject),
        )
    )


def _check_modes(scope: Scope, bypass_disabled: bool, findings: list[Finding]) -> None:
    data, path = scope.doc.data, str(scope.doc.path)
    mode = as_dict(data.get("permissions")).get("defaultMode")
    if mode == "bypassPermissions":
        findings.append(
            Finding(
                severity=LOW if bypass_disabled else HIGH,
                agent=AGENT,
                file=path,
                line=scope.doc.line_of('"defaultMode"'),
                title="Claude Code starts in bypassPermissions mode"
                + (" (disabled by managed settings)" if bypass_disabled else ""),
                detail=(
                    "bypassPermissions skips every permission prompt: if the approvald hook is "
                    "missing, broken or times out, nothing else asks before a command runs."
                ),
                fix=f'In {path} set "permissions": {{"defaultMode": "default"}} (or remove it).',
                id=finding_id(AGENT, "bypass-mode", path),
            )
        )
    if data.get("skipDangerousModePermissionPrompt") is True:
        findings.append(
            Finding(
                severity=HIGH,
                agent=AGENT,
                file=path,
                line=scope.doc.line_of('"skipDangerousModePermissionPrompt"'),
                title="Claude Code's bypass-mode warning has been switched off",
                detail=(
                    "skipDangerousModePermissionPrompt means Claude Code enters bypass mode "
                    "(--dangerously-skip-permissions) without warning; in that mode no prompt "
                    "stands behind the approvald hook."
                ),
                fix=(
                    f'Remove "skipDangerousModePermissionPrompt" from {path}; to forbid bypass '
                    'mode, add "permissions": {"disableBypassPermissionsMode": "disable"}.'
                ),
                id=finding_id(AGENT, "bypass-prompt-skipped", path),
            )
        )
    if data.get("enableAllProjectMcpServers") is True:
        line = scope.doc.line_of('"enableAllProjectMcpServers"')
        findings.append(enable_all_mcp_finding(path, line))


def _check_allow_rules(scope: Scope, findings: list[Finding]) -> None:
    path = str(scope.doc.path)
    for rule in as_list(as_dict(scope.doc.data.get("permissions")).get("allow")):
        if not isinstance(rule, str):
            continue
        reason = allow_rule_reason(rule)
        if reason is None:
            continue
        findings.append(
            Finding(
                severity=MEDIUM,
                agent=AGENT,
                file=path,
                line=scope.doc.line_of('"allow"', f'"{rule}"'),
                title=f"Allow rule {rule} pre-approves {reason}",
                detail=(
                    f"Claude Code runs what `{rule}` matches without asking. approvald's policy "
                    f"puts {reason} in front of a person; if the hook is ever missing or broken, "
                    "this rule lets it through silently."
                ),
                fix=f'Remove "{rule}" from permissions.allow in {path} (approvald decides these).',
                id=finding_id(AGENT, "allow-rule", path, rule),
            )
        )


def allow_rule_reason(rule: str) -> str | None:
    """What a `permissions.allow` rule pre-approves that policy gates, or None."""
    if rule.strip() == "*":
        return "every tool call"
    match = _RULE.match(rule)
    if not match:
        return None
    tool, spec = match.group(1), match.group(2)
    if tool == "Bash":
        return shell_rule_reason(spec or "", prefix=spec is None or spec.strip() in ("", "*"))
    if tool in ("Write", "Edit", "MultiEdit", "NotebookEdit") and (
        spec is None or spec.strip() in ("", "*", "**", "/**", "//**", "~/**")
    ):
        return "writes to any file (including .env and ~/.ssh)"
    return None
