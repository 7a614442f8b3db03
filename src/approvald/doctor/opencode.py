"""OpenCode: approvald's plugin file (user and project), and what goes around it in
opencode.json: raw MCP servers under `mcp`, and a `permission` that allows everything."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from approvald.agents.opencode import plugin_file
from approvald.doctor.context import ScanContext
from approvald.doctor.findings import HIGH, LOW, MEDIUM, Finding, finding_id
from approvald.doctor.hooks import unguarded_finding
from approvald.doctor.mcp import is_disabled, raw_server_finding
from approvald.doctor.parsing import ConfigDoc, as_dict, as_list, as_str, read_json
from approvald.install import is_hook_entry
from approvald.install.opencode import EDITED, ownership, written_command

AGENT = "opencode"
LABEL = "OpenCode"
TOOLS = ["bash", "edit", "write"]
CONFIG_NAMES = ("opencode.json", "opencode.jsonc")


def _user_dir(ctx: ScanContext) -> Path:
    return ctx.home / ".config" / "opencode"


def _environ(ctx: ScanContext) -> dict[str, str]:
    return {"HOME": str(ctx.home)}


def _plugins(ctx: ScanContext) -> list[tuple[str, Path]]:
    scopes = [("user", None)] + ([("project", ctx.project)] if ctx.project is not None else [])
    return [(scope, plugin_file(scope, project, _environ(ctx))) for scope, project in scopes]


def _configs(ctx: ScanContext) -> list[Path]:
    files = [_user_dir(ctx) / name for name in CONFIG_NAMES]
    if ctx.project is not None:
        files += [ctx.project / name for name in CONFIG_NAMES]
        files += [ctx.project / ".opencode" / name for name in CONFIG_NAMES]
    return files


def config_files(ctx: ScanContext) -> list[Path]:
    return list(dict.fromkeys([*_configs(ctx), *(path for _, path in _plugins(ctx))]))


def _in_use(ctx: ScanContext) -> bool:
    if _user_dir(ctx).is_dir():
        return True
    return ctx.project is not None and (
        (ctx.project / ".opencode").is_dir()
        or any((ctx.project / name).is_file() for name in CONFIG_NAMES))


def _install_command(scope: str, ctx: ScanContext) -> str:
    if scope == "project" and ctx.project is not None:
        return f"approvald install opencode --scope project --project {ctx.project}"
    return "approvald install opencode"


def _plugin_findings(ctx: ScanContext, scope: str, path: Path,
                     findings: list[Finding]) -> bool:
    """Checks approvald's plugin at `path`; returns whether it guards OpenCode."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    owner = ownership(text)
    if owner is None:
        return False
    reinstall = _install_command(scope, ctx)
    if owner == EDITED:
        findings.append(Finding(
            severity=HIGH, agent=AGENT, file=str(path), line=1,
            title="approvald's OpenCode plugin was changed since it was installed",
            detail="The plugin file no longer matches what approvald wrote, so approvald cannot "
                   "tell whether it still asks before every tool call.",
            fix=f"Run `{reinstall}` (the changed file is backed up first).",
            id=finding_id(AGENT, "plugin-edited", str(path)),
        ))
        return False
    argv = written_command(text) or []
    # The program, and the fast entry's script when the program is the Python that runs it.
    runs = argv[:1] + [word for word in argv[1:4] if is_hook_entry(word)]
    gone = next((word for word in runs if not (os.path.isabs(word) and os.path.isfile(word))),
                None if runs else "")
    if gone is not None:
        findings.append(Finding(
            severity=MEDIUM, agent=AGENT, file=str(path),
            title=f"approvald's OpenCode plugin runs {gone or 'nothing'}, which is not there",
            detail="The plugin blocks every tool call it cannot get an answer for, so OpenCode "
                   "can run no tool until the plugin points at this approvald.",
            fix=f"Run `{reinstall}`.",
            id=finding_id(AGENT, "plugin-broken", str(path)),
        ))
    return True


def _allows_everything(permission: Any) -> bool:
    """`"permission": "allow"`, or `"*": "allow"` in it: OpenCode asks for nothing."""
    if permission == "allow":
        return True
    return as_dict(permission).get("*") == "allow"


def _server_spec(spec: Any) -> dict[str, Any]:
    """An opencode.json `mcp` entry in the `mcpServers` shape the classifier reads."""
    spec = as_dict(spec)
    command = [c for c in as_list(spec.get("command")) if isinstance(c, str)]
    if command:
        return {"command": command[0], "args": command[1:], "enabled": spec.get("enabled")}
    return {"url": as_str(spec.get("url")), "enabled": spec.get("enabled")}


def _disabling_plugins(doc: ConfigDoc) -> Finding | None:
    """OpenCode V2's `plugins` array turns plugins off with a `-` entry (`"-*"` is every one):
    approvald's may be among them (its V2 id is not known, so any such entry is reported)."""
    off = [e for e in as_list(doc.data.get("plugins")) if isinstance(e, str) and
           e.startswith("-")]
    if not off:
        return None
    return Finding(
        severity=MEDIUM, agent=AGENT, file=str(doc.path), line=doc.line_of(f'"{off[0]}"'),
        title=f"opencode.json turns plugins off ({', '.join(off)})",
        detail="OpenCode V2 skips the plugins a `-` entry in `plugins` names; if approvald's is "
               "one of them, OpenCode's tools run without approvald.",
        fix=f'Remove {", ".join(repr(e) for e in off)} from "plugins" in {doc.path}.',
        id=finding_id(AGENT, "plugins-disabled", str(doc.path)),
    )


def _config_findings(doc: ConfigDoc) -> tuple[list[Finding], bool]:
    """(the raw-server and plugins-off findings of one opencode.json, whether its permission
    allows all)."""
    out: list[Finding] = []
    path = str(doc.path)
    disabling = _disabling_plugins(doc)
    if disabling is not None:
        out.append(disabling)
    for name, spec in as_dict(doc.data.get("mcp")).items():
        server = _server_spec(spec)
        if is_disabled(server):
            continue
        fix = (f'Run it through approvald: in {path} set its "command" to ["approvald", "mcp", '
               f'"wrap", "--name", "{name}", "--", ...its command], or remove "{name}".')
        finding = raw_server_finding(AGENT, name, server, file=path,
                                     line=doc.line_of(f'"{name}"'), fix=fix)
        if finding is not None:
            out.append(finding)
    return out, _allows_everything(doc.data.get("permission"))


def scan(ctx: ScanContext, findings: list[Finding]) -> bool:
    """Adds the findings; returns whether approvald's plugin guards OpenCode."""
    if not _in_use(ctx):
        return False
    guarded = False
    for scope, path in _plugins(ctx):
        guarded |= _plugin_findings(ctx, scope, path, findings)
    allow_all: ConfigDoc | None = None
    for path in _configs(ctx):
        doc = read_json(path, AGENT, findings, jsonc=True)
        if doc is None:
            continue
        raw, allows = _config_findings(doc)
        findings += raw
        allow_all = doc if allows else allow_all
    subject = str(ctx.project or ctx.home)
    if not guarded:
        findings.append(unguarded_finding(
            agent=AGENT, label=LABEL,
            file=plugin_file("user", None, _environ(ctx)), subject=subject, missing=TOOLS,
            own_prompt_off=allow_all is not None,
            hook_fix="Run `approvald install opencode` (or `--scope project` for one project).",
            native_fix='set "permission" in opencode.json to "ask".',
        ))
    elif allow_all is not None:
        findings.append(Finding(
            severity=LOW, agent=AGENT, file=str(allow_all.path),
            line=allow_all.line_of('"permission"'),
            title="OpenCode's own permission prompt is off (permission allows everything)",
            detail="approvald's plugin still decides every tool call, but it is the only guard "
                   "left: if the plugin is removed, OpenCode runs everything unasked.",
            fix=f'Set "permission" in {allow_all.path} to "ask" for bash and edit.',
            id=finding_id(AGENT, "permission-allow-all", str(allow_all.path)),
        ))
    return guarded
