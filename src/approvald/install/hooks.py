"""Adding an agent's approvald hook to its settings file, and taking exactly that out again.

The agent's module says where and how (`Agent.install`, a `HookInstall`): the settings file of
each scope, the hook event, and the entry. Under `hooks.<event>` the file holds a list of groups
`{"matcher": ..., "hooks": [entry, ...]}`; approvald's entry goes into a match-all group. Our
entry is the one whose command runs an `approvald` executable (or `python -m approvald`) with
the arguments `hook AGENT`: install replaces any such entry (an old path), uninstall removes
exactly those plus the containers that removal leaves empty, and everything else stays as it
was. The timeout install writes (settings `hook_timeout_s`, per agent) sits above the approval
timeout, so a pending approval ends (allow or deny) before the agent would kill the hook.
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

from approvald.agents import get_agent
from approvald.agents.base import Agent, HookInstall
from approvald.install import (
    InstallError,
    approvald_command,
    backup,
    read_settings,
    render_settings,
    write_atomic,
)

MATCH_ALL = "*"


def hook_command(agent: str, prefix: str | None = None) -> str:
    """The command written into an agent's settings: `<approvald> hook AGENT`."""
    return f"{prefix if prefix is not None else approvald_command()} hook {agent}"


def hook_target(command: str) -> tuple[str, str] | None:
    """(the approvald executable, the agent) a hook command runs, if it is approvald's hook."""
    words_all = command.strip().rsplit(" ", 2)
    if len(words_all) != 3 or words_all[1] != "hook" or not words_all[2]:
        return None
    program, agent = words_all[0].strip(), words_all[2]
    try:
        # Unquoted words split on spaces only: shlex would eat a Windows path's backslashes.
        words = shlex.split(program) if ("'" in program or '"' in program) else program.split()
    except ValueError:
        return None
    if len(words) >= 3 and words[-2:] == ["-m", "approvald"]:
        return words[0], agent
    if len(words) == 1:
        # ntpath splits on both / and \, so Windows paths are recognised too.
        name = ntpath.basename(words[0]).lower()
        if name in ("approvald", "approvald.exe"):
            return words[0], agent
    return None


def hook_executable(command: str, agent: str | None = None) -> str | None:
    """The approvald executable a hook command runs, if it is approvald's hook (for `agent`,
    when given); else None."""
    target = hook_target(command)
    if target is None or (agent is not None and target[1] != agent):
        return None
    return target[0]


def _is_ours(hook: Any, agent: str) -> bool:
    return (isinstance(hook, dict) and hook.get("type", "command") == "command"
            and isinstance(hook.get("command"), str)
            and hook_executable(hook["command"], agent) is not None)


def find_installed_hooks(settings: dict[str, Any], agent: str) -> list[dict[str, Any]]:
    """Every approvald hook entry for `agent` in `settings`, under any hook event: `event`,
    `group` and `index` (positions), `matcher`, `command`, `timeout`, `executable` and
    whether it exists."""
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
                if _is_ours(hook, agent):
                    exe = hook_executable(hook["command"]) or ""
                    found.append({
                        "event": event, "group": g, "index": i,
                        "matcher": group.get("matcher"), "command": hook["command"],
                        "timeout": hook.get("timeout"), "executable": exe,
                        "executable_exists": os.path.isabs(exe) and os.path.isfile(exe),
                    })
    return found


def _spec(agent: Agent) -> HookInstall:
    if agent.install is None:
        raise InstallError(f"approvald cannot install a hook for {agent.name}")
    return agent.install


def _event_groups(settings: dict[str, Any], event: str, path: Path) -> list[Any] | None:
    hooks = settings.get("hooks")
    if hooks is None:
        return None
    if not isinstance(hooks, dict):
        raise InstallError(f"{path}: \"hooks\" is not a JSON object; nothing was written")
    groups = hooks.get(event)
    if groups is not None and not isinstance(groups, list):
        raise InstallError(f"{path}: \"hooks.{event}\" is not a JSON array; nothing was written")
    return groups


def _matches_all(group: dict[str, Any], matcher: str) -> bool:
    return group.get("matcher") in (None, "", MATCH_ALL, matcher)


def merge(settings: dict[str, Any], agent: Agent, hook: dict[str, Any],
          path: Path = Path("settings")) -> dict[str, Any]:
    """`settings` with exactly one approvald hook for `agent`, `hook`, under a match-all group
    of its event; everything else kept as it was. An existing approvald entry in a match-all
    group is replaced in place; others (wrong matcher, duplicates) are removed."""
    spec = _spec(agent)
    _event_groups(settings, spec.event, path)  # type checks before anything changes
    result = copy.deepcopy(settings)
    groups = _without_ours(result.setdefault("hooks", {}).get(spec.event) or [], agent,
                           keep_first=hook)
    if not any(h is hook for g in groups if isinstance(g, dict) for h in g.get("hooks", [])):
        groups.append({"matcher": spec.matcher, "hooks": [hook]})
    result["hooks"][spec.event] = groups
    return result


def _without_ours(groups: list[Any], agent: Agent,
                  keep_first: dict[str, Any] | None = None) -> list[Any]:
    """The groups with our entries taken out (groups emptied by that dropped). With
    `keep_first`, the first of our entries in a match-all group is replaced by it instead."""
    placed = keep_first is None
    matcher = _spec(agent).matcher
    out: list[Any] = []
    for group in groups:
        entries = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(entries, list) or not any(_is_ours(h, agent.name) for h in entries):
            out.append(group)
            continue
        kept: list[Any] = []
        for hook in entries:
            if not _is_ours(hook, agent.name):
                kept.append(hook)
            elif not placed and _matches_all(group, matcher):
                kept.append(keep_first)
                placed = True
        if kept:
            out.append({**group, "hooks": kept})
    return out


def unmerge(settings: dict[str, Any], agent: Agent,
            path: Path = Path("settings")) -> tuple[dict[str, Any], int]:
    """(`settings` without our entries for `agent`, how many were removed). A group, the
    event's list or `hooks` that this leaves empty goes too; nothing else changes."""
    event = _spec(agent).event
    groups = _event_groups(settings, event, path)
    if not groups:
        return settings, 0
    removed = sum(1 for g in groups if isinstance(g, dict) and isinstance(g.get("hooks"), list)
                  for h in g["hooks"] if _is_ours(h, agent.name))
    if not removed:
        return settings, 0
    result = copy.deepcopy(settings)
    remaining = _without_ours(result["hooks"][event], agent)
    if remaining:
        result["hooks"][event] = remaining
    else:
        del result["hooks"][event]
        if not result["hooks"]:
            del result["hooks"]
    return result, removed


@dataclass
class Outcome:
    """What install/uninstall did (or, with dry_run, would do)."""

    agent: str
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
            "agent": self.agent, "action": self.action, "scope": self.scope,
            "file": str(self.file), "changed": self.changed, "dry_run": self.dry_run,
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


def _settings_file(agent: Agent, scope: str, project: Path | None) -> Path:
    spec = _spec(agent)
    if scope not in spec.scopes:
        raise InstallError(f"{agent.name} has no {scope!r} scope (one of "
                           f"{', '.join(spec.scopes)})")
    return spec.settings_file(scope, project, None)


def hook_timeout_s(agent: str) -> int:
    from approvald.settings import safe_load_settings

    return safe_load_settings().agent_hook_timeout_s(agent)


def install(agent_name: str, scope: str = "user", project: Path | None = None,
            dry_run: bool = False, command: str | None = None,
            timeout: int | None = None) -> Outcome:
    agent = get_agent(agent_name)
    path = _settings_file(agent, scope, project)
    settings, original = read_settings(path)
    hook = _spec(agent).entry(hook_command(agent.name, command),
                              timeout if timeout is not None else hook_timeout_s(agent.name))
    merged = merge(settings, agent, hook, path)
    if merged == settings:
        action = "unchanged"
    else:
        before = find_installed_hooks(settings, agent.name)
        action = "updated" if any(h["event"] == _spec(agent).event for h in before) else (
            "installed")
    after = render_settings(merged, original) if action != "unchanged" else (original or "")
    outcome = Outcome(agent=agent.name, action=action, scope=scope, file=path,
                      command=hook["command"], timeout=hook.get("timeout"), dry_run=dry_run,
                      before=original, after=after, settings=merged)
    return _commit(outcome, original)


def uninstall(agent_name: str, scope: str = "user", project: Path | None = None,
              dry_run: bool = False) -> Outcome:
    agent = get_agent(agent_name)
    path = _settings_file(agent, scope, project)
    settings, original = read_settings(path)
    remaining, removed = unmerge(settings, agent, path)
    action = "removed" if removed else "not-installed"
    after = render_settings(remaining, original) if removed else (original or "")
    outcome = Outcome(agent=agent.name, action=action, scope=scope, file=path, removed=removed,
                      dry_run=dry_run, before=original, after=after, settings=remaining)
    return _commit(outcome, original)
