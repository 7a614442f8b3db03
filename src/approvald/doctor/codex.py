"""Codex: `~/.codex/config.toml`, a project's `.codex/config.toml`, and hooks.json beside them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from approvald.doctor.context import ScanContext
from approvald.doctor.findings import HIGH, MEDIUM, Finding, finding_id
from approvald.doctor.hooks import (
    HookEntry,
    check_approvald_hooks,
    collect_hooks,
    installed_commands,
    our_entries,
    uncovered,
    unguarded_finding,
)
from approvald.doctor.mcp import is_disabled, raw_server_finding
from approvald.doctor.parsing import ConfigDoc, as_dict, as_str, read_json, read_toml
from approvald.doctor.plaintext import plaintext_secret_findings

AGENT = "codex"
TOOLS = ["Bash", "apply_patch"]
DEFAULT_HOOK_TIMEOUT_S = 600.0
EVENT_KEY = "pre_tool_use"  # PreToolUse in Codex's hook-state keys


def config_files(ctx: ScanContext) -> list[Path]:
    return [d / name for d in ctx.agent_dirs(".codex") for name in ("config.toml", "hooks.json")]


def scan(ctx: ScanContext, findings: list[Finding]) -> bool:
    """Returns whether an approvald hook for Codex is installed."""
    if not any(d.is_dir() for d in ctx.agent_dirs(".codex")):
        return False
    configs: list[ConfigDoc] = []
    ours: list[HookEntry] = []
    for d in ctx.agent_dirs(".codex"):
        doc = read_toml(d / "config.toml", AGENT, findings)
        if doc is not None:
            configs.append(doc)
            ours += our_entries(collect_hooks(doc, doc.data.get("hooks"), "PreToolUse"),
                                doc.data, AGENT)
        hooks_doc = read_json(d / "hooks.json", AGENT, findings)
        if hooks_doc is not None and hooks_doc.agent_can_read:
            ours += our_entries(collect_hooks(hooks_doc, hooks_doc.data.get("hooks"),
                                              "PreToolUse"), hooks_doc.data, AGENT)
    user_config = next((c for c in configs if c.path == ctx.home / ".codex" / "config.toml"),
                       None)
    hooks_off = next((c for c in configs if _hooks_disabled(c.data)), None)
    approval, sandbox, source = _effective_modes(configs)
    config_path = configs[-1].path if configs else ctx.home / ".codex" / "config.toml"
    install = ("approvald install codex --scope project --project " + str(ctx.project)
               if ctx.project else "approvald install codex")

    missing = TOOLS if hooks_off else uncovered(ours, TOOLS)
    if missing:
        findings.append(
            unguarded_finding(
                agent=AGENT, label="Codex",
                file=hooks_off.path if hooks_off else config_path,
                subject=str(ctx.project or ctx.home), missing=missing,
                own_prompt_off=approval != "untrusted",
                hook_fix=f"Run `approvald install codex` (every project) or `{install}`.",
                native_fix=f'set approval_policy = "untrusted" in {config_path} so Codex asks '
                "before every command.",
                reason="Hooks are switched off ([features] hooks = false), so no approvald hook "
                "runs." if hooks_off else "",
            )
        )
    findings.extend(
        check_approvald_hooks(
            ours, ctx,
            agent=AGENT, timeout_unit_s=1.0,
            default_timeout_s=DEFAULT_HOOK_TIMEOUT_S,
            reinstall=install,
        )
    )
    if not hooks_off:
        findings.extend(_check_trust(ctx, ours, user_config))
    _check_modes(approval, sandbox, source, findings)
    for doc in configs:
        _check_profiles(doc, findings)
        _check_mcp(doc, findings)
    return bool(ours)


def _check_trust(ctx: ScanContext, ours: list[HookEntry],
                 user_config: ConfigDoc | None) -> list[Finding]:
    """Codex runs a user or project hook only once the person has trusted it (its hash under
    `[hooks.state."<file>:pre_tool_use:<group>:<index>"]` in ~/.codex/config.toml), never one
    they turned off there, and a project's `.codex/` only in a project they trust."""
    data = user_config.data if user_config is not None else {}
    states = as_dict(as_dict(data.get("hooks")).get("state"))
    projects = as_dict(data.get("projects"))
    findings: list[Finding] = []
    for entry in ours:
        where = installed_commands(entry.doc.data, AGENT).get(entry.command)
        if where is None or where.get("group") is None:
            continue
        key = f"{entry.file}:{EVENT_KEY}:{where['group']}:{where['index']}"
        state = as_dict(states.get(key))
        in_project = ctx.project is not None and entry.file.parent == ctx.project / ".codex"
        if in_project and as_dict(projects.get(str(ctx.project))).get("trust_level") != (
                "trusted"):
            findings.append(_trust_finding(
                entry, "project-untrusted",
                "Codex ignores this project's .codex/ (and the approvald hook in it)",
                f"Codex loads {entry.file} only in projects you trust; {ctx.project} is not "
                "marked trusted in ~/.codex/config.toml.",
                "Start `codex` in the project and trust it, or run `approvald install codex` "
                "for every project."))
        elif state.get("enabled") is False:
            findings.append(_trust_finding(
                entry, "hook-disabled", "The approvald hook is turned off in Codex",
                f"~/.codex/config.toml has enabled = false for {key}: Codex skips the hook, "
                "so commands, patches and MCP calls run without approvald's policy.",
                f'Remove enabled = false from [hooks.state."{key}"] (or turn it on in /hooks).'))
        elif not isinstance(state.get("trusted_hash"), str):
            findings.append(_trust_finding(
                entry, "hook-untrusted", "Codex has not trusted the approvald hook yet",
                "Codex runs a new or changed hook only once you review and trust it; until "
                "then it skips it silently (codex exec never asks), so tool calls run without "
                "approvald's policy.",
                "Start `codex` and trust the approvald hook when it asks (or under /hooks)."))
    return findings


def _trust_finding(entry: HookEntry, kind: str, title: str, detail: str, fix: str) -> Finding:
    return Finding(severity=HIGH, agent=AGENT, file=str(entry.file), line=entry.line,
                   title=title, detail=detail, fix=fix,
                   id=finding_id(AGENT, kind, str(entry.file), entry.command))


def _hooks_disabled(data: dict[str, Any]) -> bool:
    features = as_dict(data.get("features"))
    return features.get("hooks") is False or features.get("codex_hooks") is False


def _effective_modes(configs: list[ConfigDoc]) -> tuple[str, str, ConfigDoc | None]:
    """approval_policy and sandbox_mode as Codex resolves them (project over user; the
    selected `profile` over the root keys), and the file that set the approval policy."""
    approval, sandbox, source = "on-request", "workspace-write", None
    for doc in configs:
        layers = [doc.data]
        profile = as_str(doc.data.get("profile"))
        if profile:
            layers.append(as_dict(as_dict(doc.data.get("profiles")).get(profile)))
        for layer in layers:
            if isinstance(layer.get("approval_policy"), str):
                approval, source = layer["approval_policy"], doc
            if isinstance(layer.get("sandbox_mode"), str):
                sandbox = layer["sandbox_mode"]
                source = source or doc
    return approval, sandbox, source


def _check_modes(approval: str, sandbox: str, source: ConfigDoc | None, out: list[Finding]) -> None:
    if source is None or (approval != "never" and sandbox != "danger-full-access"):
        return
    path = str(source.path)
    if approval == "never" and sandbox == "danger-full-access":
        severity, title = HIGH, "Codex runs every command unsandboxed and never asks"
    elif approval == "never":
        severity, title = MEDIUM, f"Codex never asks before commands (sandbox: {sandbox})"
    else:
        severity, title = MEDIUM, f"Codex runs without a sandbox (approval_policy: {approval})"
    out.append(
        Finding(
            severity=severity,
            agent=AGENT,
            file=path,
            line=source.line_of("approval_policy") or source.line_of("sandbox_mode"),
            title=title,
            detail=(
                f'approval_policy = "{approval}" with sandbox_mode = "{sandbox}": commands that '
                "approvald's policy would put in front of a person run without any check."
            ),
            fix=(
                f'In {path} set approval_policy = "untrusted" and '
                'sandbox_mode = "workspace-write".'
            ),
            id=finding_id(AGENT, "bypass-mode", path),
        )
    )


def _check_profiles(doc: ConfigDoc, out: list[Finding]) -> None:
    selected = as_str(doc.data.get("profile"))
    for name, profile in as_dict(doc.data.get("profiles")).items():
        profile = as_dict(profile)
        if name == selected:
            continue
        if profile.get("approval_policy") == "never" and (
            profile.get("sandbox_mode") == "danger-full-access"
        ):
            out.append(
                Finding(
                    severity=MEDIUM,
                    agent=AGENT,
                    file=str(doc.path),
                    line=doc.line_of(f"profiles.{name}") or doc.line_of(name),
                    title=f"Codex profile '{name}' never asks and has no sandbox",
                    detail=f"`codex --profile {name}` runs every command unchecked.",
                    fix=f'In [profiles.{name}] set approval_policy = "untrusted".',
                    id=finding_id(AGENT, "bypass-profile", str(doc.path), name),
                )
            )


def _check_mcp(doc: ConfigDoc, out: list[Finding]) -> None:
    path = str(doc.path)
    for name, spec in as_dict(doc.data.get("mcp_servers")).items():
        if is_disabled(spec):
            continue
        finding = raw_server_finding(
            AGENT,
            name,
            spec,
            file=path,
            line=doc.line_of(f"mcp_servers.{name}") or doc.line_of(name),
            detail_end="; Codex does not sandbox MCP servers, so it acts with your full "
            "permissions.",
            fix=f"Remove [mcp_servers.{name}] from {path} (`codex mcp remove {name}`), or set "
            "enabled = false in it.",
        )
        if finding is not None:
            out.append(finding)
        out += plaintext_secret_findings(AGENT, name, spec, file=path,
                                         line=doc.line_of(f"mcp_servers.{name}"))
