"""Hook entries in the `{EVENT: [{matcher, hooks: [{type, command, timeout}]}]}` shape that
Claude Code, Codex and Gemini CLI share, and the checks every approvald hook must pass."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approvald.doctor.commands import (
    ApprovaldCommand,
    display_path,
    matcher_covers,
    parse_approvald_hook,
    resolve_program,
    resolve_script,
    split_command,
)
from approvald.doctor.context import ScanContext
from approvald.doctor.findings import HIGH, LOW, MEDIUM, Finding, finding_id
from approvald.doctor.parsing import ConfigDoc, as_dict, as_list, as_str
from approvald.settings import HOOK_MARGIN_S, safe_load_settings


def approval_timeout_s() -> float:
    """How long approvald waits for a person: the user's config.toml, else the default."""
    return float(safe_load_settings().approval_timeout_s)


@dataclass
class HookEntry:
    doc: ConfigDoc
    event: str
    matcher: object
    command: str
    args: list[str] | None
    timeout: float | None  # as written (unit depends on the agent)
    is_async: bool
    line: int | None
    approvald: ApprovaldCommand | None

    @property
    def file(self) -> Path:
        return self.doc.path


def collect_hooks(doc: ConfigDoc, hooks_obj: Any, event: str) -> list[HookEntry]:
    """Every command hook under `hooks_obj[event]`."""
    entries: list[HookEntry] = []
    for group in as_list(as_dict(hooks_obj).get(event)):
        group = as_dict(group)
        matcher = group.get("matcher")
        for hook in as_list(group.get("hooks")):
            hook = as_dict(hook)
            command = as_str(hook.get("command"))
            if not command or hook.get("type", "command") != "command":
                continue
            raw_args = hook.get("args")
            args = (
                [a for a in raw_args if isinstance(a, str)] if isinstance(raw_args, list) else None
            )
            timeout = hook.get("timeout")
            entries.append(
                HookEntry(
                    doc=doc,
                    event=event,
                    matcher=matcher,
                    command=command,
                    args=args,
                    timeout=float(timeout) if isinstance(timeout, (int, float)) else None,
                    is_async=bool(hook.get("async")) or bool(hook.get("asyncRewake")),
                    line=_command_line(doc, command),
                    approvald=parse_approvald_hook(command, args),
                )
            )
    return entries


def collect_flat_hooks(doc: ConfigDoc, hooks_obj: Any, *,
                       command_keys: tuple[str, ...] = ("command",)) -> list[HookEntry]:
    """Every command hook in the flat shape Cursor and Copilot CLI use:
    `{EVENT: [{"command" (or "bash"/"powershell"), "matcher"?, "timeout"|"timeoutSec"?}]}`."""
    entries = []
    for event, items in as_dict(hooks_obj).items():
        for item in as_list(items):
            item = as_dict(item)
            if item.get("type", "command") != "command":
                continue
            command = next((as_str(item.get(k)) for k in command_keys if as_str(item.get(k))),
                           "")
            if not command:
                continue
            timeout = next((item[k] for k in ("timeoutSec", "timeout")
                            if isinstance(item.get(k), (int, float))), None)
            entries.append(HookEntry(
                doc=doc, event=event, matcher=item.get("matcher"), command=command, args=None,
                timeout=float(timeout) if timeout is not None else None, is_async=False,
                line=_command_line(doc, command), approvald=parse_approvald_hook(command)))
    return entries


def installed_commands(data: dict[str, Any], agent: str) -> dict[str, dict[str, Any]]:
    """The hook commands approvald's own installer counts as its hook for `agent` in `data`,
    each with where the installer found it (`event`, `group`, `index`, `timeout`)."""
    from approvald.install.hooks import find_installed_hooks

    try:
        found = find_installed_hooks(data, agent)
    except Exception:  # an installer bug must not stop doctor
        return {}
    return {str(h["command"]): h for h in found}


def our_entries(entries: list[HookEntry], data: dict[str, Any], agent: str) -> list[HookEntry]:
    """The entries that run approvald's hook for `agent`: what the installer recognises as
    its own, and any other spelling of `approvald hook AGENT` (a user's hand-written line)."""
    installed = installed_commands(data, agent)
    ours = []
    for entry in entries:
        if entry.approvald is None and entry.command in installed:
            words = split_command(entry.command)
            argument = installed[entry.command].get("argument") or ""
            entry.approvald = ApprovaldCommand(words[0], agent, tuple(words), argument)
        if entry.approvald is not None and entry.approvald.agent == agent:
            ours.append(entry)
    return ours


def _command_line(doc: ConfigDoc, command: str) -> int | None:
    # The command as it appears in the file: JSON escapes backslashes and quotes.
    for form in (command.replace("\\", "\\\\").replace('"', '\\"'), command):
        line = doc.line_of(form)
        if line is not None:
            return line
    return None


def uncovered(entries: list[HookEntry], tools: list[str]) -> list[str]:
    return [t for t in tools if not any(matcher_covers(e.matcher, t) for e in entries)]


def check_approvald_hooks(
    entries: list[HookEntry],
    ctx: ScanContext,
    *,
    agent: str,
    timeout_unit_s: float,
    default_timeout_s: float | None,
    reinstall: str,
) -> list[Finding]:
    """Broken approvald hooks: a command that does not resolve, a timeout shorter than an
    approval can take, or an async hook (which cannot block anything)."""
    findings: list[Finding] = []
    need = approval_timeout_s() + HOOK_MARGIN_S
    for entry in entries:
        cmd = entry.approvald
        if cmd is None:
            continue
        resolved, problem = resolve_program(
            cmd.program, home=ctx.home, project=ctx.project, env_path=ctx.env_path
        )
        if resolved is None:
            findings.append(
                _hook_finding(
                    agent,
                    entry,
                    "hook-broken",
                    title=f"The approvald hook cannot run: {display_path(cmd.program)}",
                    detail=(
                        f"The {entry.event} hook `{entry.command}` cannot start because {problem}. "
                        "A hook that fails to start does not stop the tool call, so every action "
                        "goes through unchecked."
                    ),
                    fix=f"Run `{reinstall}` to write the hook again with this machine's path.",
                )
            )
        elif cmd.script and (missing := resolve_script(cmd.script, home=ctx.home,
                                                       project=ctx.project))[0] is None:
            why = missing[1]
            findings.append(
                _hook_finding(
                    agent,
                    entry,
                    "hook-broken",
                    title=f"The approvald hook cannot run: {display_path(cmd.script)}",
                    detail=(
                        f"The {entry.event} hook `{entry.command}` runs approvald's hook script, "
                        f"but {why} (approvald was upgraded, moved or removed). Python exits 2 "
                        "without it, which the agent takes as a block: every tool call is "
                        "refused until the hook is written again."
                    ),
                    fix=f"Run `{reinstall}` to write the hook again with this machine's path.",
                )
            )
        if entry.is_async:
            findings.append(
                _hook_finding(
                    agent,
                    entry,
                    "hook-async",
                    title="The approvald hook is asynchronous, so it cannot block anything",
                    detail=f"`{entry.command}` has async set: the tool runs without waiting.",
                    fix=f"Remove `\"async\"` from that hook entry (or run `{reinstall}`).",
                )
            )
        timeout_s = entry.timeout * timeout_unit_s if entry.timeout is not None else None
        if timeout_s is not None and timeout_s < need:
            findings.append(
                _hook_finding(
                    agent,
                    entry,
                    "hook-timeout",
                    title=f"The approvald hook times out after {timeout_s:g} s, before approvals",
                    detail=(
                        f"An approval may wait {approval_timeout_s():g} s for a person; the agent "
                        f"kills the hook after {timeout_s:g} s, and a killed hook does not block "
                        "the action. It needs at least "
                        f"{need:g} s."
                    ),
                    fix=(
                        f"Set `\"timeout\": {need / timeout_unit_s:g}` on that hook entry, or run "
                        f"`{reinstall}`."
                    ),
                )
            )
        elif timeout_s is None and (default_timeout_s is None or default_timeout_s < need):
            default = f"{default_timeout_s:g} s" if default_timeout_s else "unknown"
            findings.append(
                _hook_finding(
                    agent,
                    entry,
                    "hook-timeout",
                    severity=HIGH if default_timeout_s else LOW,
                    title="The approvald hook has no timeout and the agent's default is too short",
                    detail=(
                        f"Without an explicit timeout the agent's default ({default}) applies; an "
                        f"approval may wait {approval_timeout_s():g} s."
                    ),
                    fix=f"Add `\"timeout\": {need / timeout_unit_s:g}` to that hook entry.",
                )
            )
    return findings


def _hook_finding(
    agent: str,
    entry: HookEntry,
    kind: str,
    *,
    title: str,
    detail: str,
    fix: str,
    severity: str = HIGH,
) -> Finding:
    """A problem with one approvald hook entry, located at that entry."""
    where = str(entry.file)
    return Finding(
        severity=severity,
        agent=agent,
        file=where,
        line=entry.line,
        title=title,
        detail=detail,
        fix=fix,
        id=finding_id(agent, kind, where, entry.command),
    )


def adapter_available(agent: str) -> bool:
    """Can `approvald hook AGENT` read this agent's payloads in this build?"""
    from approvald.agents import AGENTS

    return agent in AGENTS


def unguarded_finding(
    *,
    agent: str,
    label: str,
    file: Path,
    subject: str,
    missing: list[str],
    own_prompt_off: bool,
    hook_fix: str,
    native_fix: str,
    reason: str = "",
) -> Finding:
    """The agent's native shell/file tools run with no approvald hook.

    High when approvald can guard this agent (a hook is one command away) or when the agent's
    own confirmation is off too; medium when approvald has no adapter for the agent yet and the
    agent still asks the person itself, since then the fix is the agent's own setting.
    """
    supported = adapter_available(agent)
    severity = HIGH if supported or own_prompt_off else MEDIUM
    tools = ", ".join(missing)
    if supported:
        fix = hook_fix
    else:
        fix = (
            f"approvald cannot hook {label} in this version; until it can, {native_fix}"
        )
    detail = reason or f"No approvald hook guards {tools}, so they run outside approvald's policy."
    if not supported:
        detail += (
            f" {label}'s own confirmation is "
            + ("off too: commands run unasked." if own_prompt_off else "the only guard left.")
        )
    return Finding(
        severity=severity,
        agent=agent,
        file=str(file),
        title=f"{label} runs {tools} without approvald",
        detail=detail,
        fix=fix,
        id=finding_id(agent, "unguarded-tools", subject),
    )
