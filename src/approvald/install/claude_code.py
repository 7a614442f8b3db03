"""approvald's PreToolUse hook in Claude Code's settings.

Claude Code reads hooks from `~/.claude/settings.json` (scope user), `<project>/.claude/
settings.json` (project, shared with the team) and `<project>/.claude/settings.local.json`
(local, not committed), in this shape::

    {"hooks": {"PreToolUse": [
        {"matcher": "*", "hooks": [
            {"type": "command", "command": "/path/to/approvald hook claude-code", "timeout": 330}
        ]}
    ]}}

The matcher `*` sends every tool call through approvald. `timeout` (seconds) is explicit and
above the daemon's approval timeout, so a pending approval ends (allow/deny) before Claude Code
would kill the hook.

Our entry is the one whose command runs an `approvald` executable (or `python -m approvald`)
with the arguments `hook claude-code`; install replaces any such entry (an old path) and
uninstall removes exactly those, plus the containers that removal leaves empty.
"""

from __future__ import annotations

import copy
import difflib
import ntpath
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from approvald.install import (
    InstallError,
    approvald_command,
    backup,
    read_settings,
    render_settings,
    write_atomic,
)

AGENT = "claude-code"
EVENT = "PreToolUse"
MATCH_ALL = "*"
HOOK_ARGS = "hook claude-code"
SCOPES = ("user", "project", "local")


def claude_config_dir(environ: dict[str, str] | None = None) -> Path:
    """`~/.claude`, honouring $HOME (and Claude Code's own CLAUDE_CONFIG_DIR)."""
    env = os.environ if environ is None else environ
    if env.get("CLAUDE_CONFIG_DIR"):
        return Path(env["CLAUDE_CONFIG_DIR"]).expanduser()
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".claude"


def settings_path(scope: str, project: Path | None = None,
                  environ: dict[str, str] | None = None) -> Path:
    if scope == "user":
        return claude_config_dir(environ) / "settings.json"
    base = Path(os.path.abspath(project if project is not None else os.getcwd()))
    if scope == "project":
        return base / ".claude" / "settings.json"
    if scope == "local":
        return base / ".claude" / "settings.local.json"
    raise ValueError(f"unknown scope {scope!r} (one of {', '.join(SCOPES)})")


def hook_timeout_s() -> int:
    from approvald.config import safe_load_config

    return safe_load_config().hook_timeout_s


def desired_hook(command: str | None = None, timeout: int | None = None) -> dict[str, Any]:
    prefix = command if command is not None else approvald_command()
    return {"type": "command", "command": f"{prefix} {HOOK_ARGS}",
            "timeout": timeout if timeout is not None else hook_timeout_s()}


def hook_executable(command: str) -> str | None:
    """The approvald executable a hook command runs, if it is our hook (else None)."""
    text = command.strip()
    if not text.endswith(" " + HOOK_ARGS):
        return None
    program = text[: -len(HOOK_ARGS)].strip()
    try:
        # Unquoted words split on spaces only: shlex would eat a Windows path's backslashes.
        words = shlex.split(program) if ("'" in program or '"' in program) else program.split()
    except ValueError:
        return None
    if len(words) >= 3 and words[-2:] == ["-m", "approvald"]:
        return words[0]
    if len(words) == 1:
        # ntpath splits on both / and \, so Windows paths are recognised too.
        name = ntpath.basename(words[0]).lower()
        if name in ("approvald", "approvald.exe"):
            return words[0]
    return None


def _is_ours(hook: Any) -> bool:
    return (isinstance(hook, dict) and hook.get("type", "command") == "command"
            and isinstance(hook.get("command"), str)
            and hook_executable(hook["command"]) is not None)


def find_installed_hooks(settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Every approvald hook entry in `settings`, under any hook event: `event`, `group` and
    `index` (positions), `matcher`, `command`, `timeout`, `executable` and whether it exists."""
    found: list[dict[str, Any]] = []
    hooks = settings.get("hooks") if isinstance(settings, dict) else None
    if not isinstance(hooks, dict):
        return found
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            continue
        for g, group in enumerate(groups):
            entries = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(entries, list):
                continue
            for i, hook in enumerate(entries):
                if _is_ours(hook):
                    exe = hook_executable(hook["command"]) or ""
                    found.append({
                        "event": event, "group": g, "index": i,
                        "matcher": group.get("matcher"), "command": hook["command"],
                        "timeout": hook.get("timeout"), "executable": exe,
                        "executable_exists": os.path.isabs(exe) and os.path.isfile(exe),
                    })
    return found


def _event_groups(settings: dict[str, Any], path: Path) -> list[Any] | None:
    hooks = settings.get("hooks")
    if hooks is None:
        return None
    if not isinstance(hooks, dict):
        raise InstallError(f"{path}: \"hooks\" is not a JSON object; nothing was written")
    groups = hooks.get(EVENT)
    if groups is not None and not isinstance(groups, list):
        raise InstallError(f"{path}: \"hooks.{EVENT}\" is not a JSON array; nothing was written")
    return groups


def _matches_all(group: dict[str, Any]) -> bool:
    return group.get("matcher") in (None, "", MATCH_ALL)


def merge(settings: dict[str, Any], hook: dict[str, Any], path: Path = Path("settings")) -> (
        dict[str, Any]):
    """`settings` with exactly one approvald hook, `hook`, under a match-all PreToolUse group;
    everything else kept as it was. An existing approvald entry in a match-all group is
    replaced in place; others (wrong matcher, duplicates) are removed."""
    _event_groups(settings, path)  # type checks before anything changes
    result = copy.deepcopy(settings)
    groups = _without_ours(result.setdefault("hooks", {}).get(EVENT) or [], keep_first=hook)
    if not any(h is hook for g in groups if isinstance(g, dict) for h in g.get("hooks", [])):
        groups.append({"matcher": MATCH_ALL, "hooks": [hook]})
    result["hooks"][EVENT] = groups
    return result


def _without_ours(groups: list[Any], keep_first: dict[str, Any] | None = None) -> list[Any]:
    """The groups with our entries taken out (groups emptied by that dropped). With
    `keep_first`, the first of our entries in a match-all group is replaced by it instead."""
    placed = keep_first is None
    out: list[Any] = []
    for group in groups:
        entries = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(entries, list) or not any(_is_ours(h) for h in entries):
            out.append(group)
            continue
        kept: list[Any] = []
        for hook in entries:
            if not _is_ours(hook):
                kept.append(hook)
            elif not placed and _matches_all(group):
                kept.append(keep_first)
                placed = True
        if kept:
            out.append({**group, "hooks": kept})
    return out


def unmerge(settings: dict[str, Any], path: Path = Path("settings")) -> tuple[dict[str, Any], int]:
    """(`settings` without our PreToolUse entries, how many were removed). A group, the
    PreToolUse list or `hooks` that this leaves empty goes too; nothing else changes."""
    groups = _event_groups(settings, path)
    if not groups:
        return settings, 0
    removed = sum(1 for g in groups if isinstance(g, dict) and isinstance(g.get("hooks"), list)
                  for h in g["hooks"] if _is_ours(h))
    if not removed:
        return settings, 0
    result = copy.deepcopy(settings)
    remaining = _without_ours(result["hooks"][EVENT])
    if remaining:
        result["hooks"][EVENT] = remaining
    else:
        del result["hooks"][EVENT]
        if not result["hooks"]:
            del result["hooks"]
    return result, removed


@dataclass
class Outcome:
    """What install/uninstall did (or, with dry_run, would do)."""

    action: str  # installed | updated | unchanged | removed | not-installed
    scope: str
    file: Path
    command: str | None = None
    timeout: int | None = None
    removed: int = 0
    backup: Path | None = None
    dry_run: bool = False
    before: str | None = None  # the file's text (None: it did not exist)
    after: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.action in ("installed", "updated", "removed")

    def diff(self) -> str:
        before = (self.before or "").splitlines(keepends=True)
        after = self.after.splitlines(keepends=True)
        name = str(self.file)
        return "".join(difflib.unified_diff(before, after, fromfile=name if self.before is not None
                                            else "/dev/null", tofile=name))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "agent": AGENT, "action": self.action, "scope": self.scope, "file": str(self.file),
            "changed": self.changed, "dry_run": self.dry_run,
            "backup": str(self.backup) if self.backup else None,
        }
        if self.command is not None:
            data.update(command=self.command, timeout=self.timeout)
        else:
            data["removed"] = self.removed
        if self.dry_run:
            data["settings"] = self.settings
        return data


def _commit(outcome: Outcome, original: str | None) -> Outcome:
    if outcome.changed and not outcome.dry_run:
        if original is not None:
            outcome.backup = backup(outcome.file)
        write_atomic(outcome.file, outcome.after)
    return outcome


def install(scope: str = "user", project: Path | None = None, dry_run: bool = False,
            command: str | None = None, timeout: int | None = None) -> Outcome:
    path = settings_path(scope, project)
    settings, original = read_settings(path)
    hook = desired_hook(command, timeout)
    merged = merge(settings, hook, path)
    before_ours = find_installed_hooks(settings)
    if merged == settings:
        action = "unchanged"
    else:
        action = "updated" if any(h["event"] == EVENT for h in before_ours) else "installed"
    after = render_settings(merged, original) if action != "unchanged" else (original or "")
    outcome = Outcome(action=action, scope=scope, file=path, command=hook["command"],
                      timeout=hook["timeout"], dry_run=dry_run, before=original, after=after,
                      settings=merged)
    return _commit(outcome, original)


def uninstall(scope: str = "user", project: Path | None = None,
              dry_run: bool = False) -> Outcome:
    path = settings_path(scope, project)
    settings, original = read_settings(path)
    remaining, removed = unmerge(settings, path)
    action = "removed" if removed else "not-installed"
    after = render_settings(remaining, original) if removed else (original or "")
    outcome = Outcome(action=action, scope=scope, file=path, removed=removed, dry_run=dry_run,
                      before=original, after=after, settings=remaining)
    return _commit(outcome, original)
