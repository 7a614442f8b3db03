"""Adding an agent's approvald hook to its settings file, and taking exactly that out again.

The agent's module says where and how (`Agent.install`, a `HookInstall`): the settings file of
each scope, the hook events, the layout and the entry. Grouped (Claude Code, Codex, Gemini CLI):
under `hooks.<event>` the file holds a list of groups `{"matcher": ..., "hooks": [entry, ...]}`
and approvald's entry goes into a match-all group. Flat (Cursor, Copilot CLI): `hooks.<event>`
is a list of entries and ours is one of them. Our entry is the one whose command runs an
`approvald` executable (or `python -m approvald`) with the arguments `hook AGENT`: install
replaces any such entry (an old path), uninstall removes exactly those plus the containers that
removal leaves empty, and everything else stays as it was. The timeout install writes (settings
`hook_timeout_s`, per agent, in the agent's unit) sits above the approval timeout, so a pending
approval ends (allow or deny) before the agent would kill the hook.
"""

from __future__ import annotations

import copy
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from approvald.agents import get_agent
from approvald.agents.base import Agent, HookInstall
from approvald.install import (
    InstallError,
    backup,
    read_settings,
    render_settings,
    write_atomic,
)
from approvald.install.hookcommand import (
    hook_command,
    hook_event_target,
    hook_executable,
    hook_files,
)

MATCH_ALL = "*"


def _our_command(hook: Any, agent: str, keys: tuple[str, ...]) -> str | None:
    """The command of `hook` if it is approvald's hook entry for `agent`."""
    if not isinstance(hook, dict) or hook.get("type", "command") != "command":
        return None
    for key in keys:
        value = hook.get(key)
        if isinstance(value, str) and hook_executable(value, agent) is not None:
            return value
    return None


def _is_ours(hook: Any, agent: Agent) -> bool:
    return _our_command(hook, agent.name, _spec(agent).command_keys) is not None


def _entries(groups: Any, grouped: bool) -> list[tuple[int | None, int, Any, Any]]:
    """(group index or None, index, matcher, entry) for every entry under one event."""
    if not isinstance(groups, list):
        return []
    if not grouped:
        return [(None, i, e.get("matcher") if isinstance(e, dict) else None, e)
                for i, e in enumerate(groups)]
    out: list[tuple[int | None, int, Any, Any]] = []
    for g, group in enumerate(groups):
        entries = group.get("hooks") if isinstance(group, dict) else None
        if isinstance(entries, list):
            out += [(g, i, group.get("matcher"), e) for i, e in enumerate(entries)]
    return out


def find_installed_hooks(settings: dict[str, Any], agent: str) -> list[dict[str, Any]]:
    """Every approvald hook entry for `agent` in `settings`, under any hook event: `event`,
    `group` (None in a flat layout) and `index` (positions), `matcher`, `command`, `timeout`
    (as written, in the agent's unit), `executable` and whether it exists."""
    found: list[dict[str, Any]] = []
    hooks = settings.get("hooks") if isinstance(settings, dict) else None
    if not isinstance(hooks, dict):
        return found
    spec = _spec(get_agent(agent))
    for event, groups in hooks.items():
        for g, i, matcher, hook in _entries(groups, spec.grouped):
            command = _our_command(hook, agent, spec.command_keys)
            if command is None:
                continue
            exe = hook_executable(command) or ""
            timeout = next((hook[k] for k in ("timeout", "timeoutSec") if k in hook), None)
            target = hook_event_target(command)
            found.append({
                "event": event, "group": g, "index": i, "matcher": matcher,
                "command": command, "timeout": timeout, "executable": exe,
                "executable_exists": all(os.path.isabs(f) and os.path.isfile(f)
                                         for f in hook_files(command)),
                "argument": target[2] if target else None,
            })
    return found


def _spec(agent: Agent) -> HookInstall:
    if agent.install is None:
        raise InstallError(f"approvald cannot install a hook for {agent.name}")
    return agent.install


def _check_shape(settings: dict[str, Any], spec: HookInstall, path: Path) -> None:
    """Refuse (before anything changes) a file whose hooks are not shaped as the agent reads
    them."""
    hooks = settings.get("hooks")
    if hooks is None:
        return
    if not isinstance(hooks, dict):
        raise InstallError(f"{path}: \"hooks\" is not a JSON object; nothing was written")
    for event in _event_names(spec, None):
        groups = hooks.get(event)
        if groups is not None and not isinstance(groups, list):
            raise InstallError(f"{path}: \"hooks.{event}\" is not a JSON array; nothing was "
                               "written")


def _event_names(spec: HookInstall, agent: Agent | None) -> tuple[str, ...]:
    """Every event install writes for the agent: its decision events and its other ones."""
    others = tuple(e.name for e in agent.hook_events) if agent is not None else ()
    return spec.event_names + others


def event_entries(agent: Agent, hook: dict[str, Any]) -> list[tuple[str, str | None,
                                                                    dict[str, Any]]]:
    """(event, matcher, entry) for every event install writes: `hook` under each decision
    event; under each other event of the agent the same command with the event's name added,
    and that event's timeout (or `hook`'s, for one that waits for a person)."""
    spec = _spec(agent)
    out = [(event, matcher, _entry_for(spec, hook, matcher)) for event, matcher in spec.events]
    command = next((hook[k] for k in spec.command_keys if isinstance(hook.get(k), str)), None)
    if command is None:
        return out
    for event in agent.hook_events:
        timeout = event.timeout_s if event.timeout_s is not None else _written_timeout(hook)
        entry = spec.entry(f"{command} {event.name}", timeout)
        out.append((event.name, event.matcher, _entry_for(spec, entry, event.matcher)))
    return out


def _group(spec: HookInstall, matcher: str | None, entry: dict[str, Any]) -> Any:
    if not spec.grouped:
        return entry
    return {"matcher": matcher, "hooks": [entry]} if matcher is not None else {"hooks": [entry]}


def _matches_all(group: dict[str, Any], matcher: str | None) -> bool:
    return group.get("matcher") in (None, "", MATCH_ALL, matcher)


def _entry_for(spec: HookInstall, hook: dict[str, Any], matcher: str | None) -> dict[str, Any]:
    """The entry under one event: in a flat layout the event's matcher goes on the entry."""
    if spec.grouped or matcher is None:
        return hook
    return {**hook, "matcher": matcher}


def merge(settings: dict[str, Any], agent: Agent, hook: dict[str, Any],
          path: Path = Path("settings")) -> dict[str, Any]:
    """`settings` with exactly one approvald hook for `agent` under each of its events (`hook`
    under its decision events, with that event's matcher; `event_entries` for its others);
    everything else kept as it was. An existing approvald entry
    where ours belongs is replaced in place; others (wrong matcher, duplicates, events we no
    longer use) are removed."""
    spec = _spec(agent)
    _check_shape(settings, spec, path)
    result = copy.deepcopy(settings)
    for key, value in spec.skeleton.items():
        result.setdefault(key, value)
    hooks = result.setdefault("hooks", {})
    names = _event_names(spec, agent)
    for event in list(hooks):
        if event not in names and isinstance(hooks[event], list) and hooks[event]:
            hooks[event] = _without_ours(hooks[event], agent, None)
            if not hooks[event]:
                del hooks[event]
    for event, matcher, entry in event_entries(agent, hook):
        groups = _without_ours(hooks.get(event) or [], agent, matcher, keep_first=entry)
        placed = any(h is entry for _, _, _, h in _entries(groups, spec.grouped))
        if not placed:
            groups.append(_group(spec, matcher, entry))
        hooks[event] = groups
    return result


def _without_ours(groups: list[Any], agent: Agent, matcher: str | None,
                  keep_first: dict[str, Any] | None = None) -> list[Any]:
    """The event's list with our entries taken out (groups emptied by that dropped). With
    `keep_first`, the first of our entries where ours belongs is replaced by it instead."""
    spec = _spec(agent)
    placed = keep_first is None
    out: list[Any] = []
    if not spec.grouped:
        for hook in groups:
            if not _is_ours(hook, agent):
                out.append(hook)
            elif not placed:
                out.append(keep_first)
                placed = True
        return out
    for group in groups:
        entries = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(entries, list) or not any(_is_ours(h, agent) for h in entries):
            out.append(group)
            continue
        kept: list[Any] = []
        for hook in entries:
            if not _is_ours(hook, agent):
                kept.append(hook)
            elif not placed and _matches_all(group, matcher):
                kept.append(keep_first)
                placed = True
        if kept:
            out.append({**group, "hooks": kept})
    return out


def unmerge(settings: dict[str, Any], agent: Agent,
            path: Path = Path("settings")) -> tuple[dict[str, Any], int]:
    """(`settings` without our entries for `agent`, how many were removed). A group, an event's
    list or `hooks` that this leaves empty goes too, and so does the skeleton (`version`) when
    nothing else is left; nothing else changes."""
    spec = _spec(agent)
    _check_shape(settings, spec, path)
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict):
        return settings, 0
    removed = sum(1 for groups in hooks.values()
                  for _, _, _, h in _entries(groups, spec.grouped) if _is_ours(h, agent))
    if not removed:
        return settings, 0
    result = copy.deepcopy(settings)
    for event in list(result["hooks"]):
        groups = result["hooks"][event]
        if not isinstance(groups, list):
            continue
        remaining = _without_ours(groups, agent, None)
        if remaining:
            result["hooks"][event] = remaining
        elif groups:
            del result["hooks"][event]
    if not result["hooks"]:
        del result["hooks"]
    if spec.skeleton and result == spec.skeleton:
        result = {}
    return result, removed


@dataclass
class Outcome:
    """What install/uninstall did (or, with dry_run, would do)."""

    agent: str
    action: str  # installed | updated | unchanged | removed | not-installed
    scope: str
    file: Path
    command: str | None = None
    timeout: int | None = None  # as written, in the agent's unit
    removed: int = 0
    backup: Path | None = None
    dry_run: bool = False
    before: str | None = None  # the file's text (None: it did not exist)
    after: str | None = ""  # None: the file is deleted (it held only approvald's hook)
    settings: dict[str, Any] = field(default_factory=dict)
    notice: str = ""  # what the person still has to do (Codex: review the hook)

    @property
    def changed(self) -> bool:
        return self.action in ("installed", "updated", "removed")

    def diff(self) -> str:
        before = (self.before or "").splitlines(keepends=True)
        after = (self.after or "").splitlines(keepends=True)
        name = str(self.file)
        return "".join(difflib.unified_diff(
            before, after, fromfile=name if self.before is not None else "/dev/null",
            tofile=name if self.after is not None else "/dev/null"))

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
            data["deleted"] = self.after is None
        if self.notice:
            data["notice"] = self.notice
        if self.dry_run:
            data["settings"] = self.settings
        return data


def commit(outcome: Outcome, original: str | None) -> Outcome:
    if outcome.changed and not outcome.dry_run:
        if original is not None:
            outcome.backup = backup(outcome.file)
        if outcome.after is None:
            try:
                os.unlink(outcome.file)
            except OSError as exc:
                raise InstallError(f"cannot remove {outcome.file}: {exc}") from exc
        else:
            write_atomic(outcome.file, outcome.after)
    return outcome


def default_scope(agent_name: str) -> str:
    """The scope install uses when none is given: user, or the agent's only one."""
    spec = _spec(get_agent(agent_name))
    return "user" if "user" in spec.scopes else spec.scopes[0]


def settings_file(agent: Agent, scope: str | None, project: Path | None) -> tuple[str, Path]:
    spec = _spec(agent)
    scope = scope or default_scope(agent.name)
    if scope not in spec.scopes:
        raise InstallError(f"{agent.name} has no {scope!r} scope (one of "
                           f"{', '.join(spec.scopes)})")
    return scope, spec.settings_file(scope, project, None)


def hook_timeout_s(agent: str) -> int:
    from approvald.settings import safe_load_settings

    return safe_load_settings().agent_hook_timeout_s(agent)


def _written_timeout(entry: dict[str, Any]) -> Any:
    return next((entry[k] for k in ("timeout", "timeoutSec") if k in entry), None)


def install(agent_name: str, scope: str | None = None, project: Path | None = None,
            dry_run: bool = False, command: str | None = None,
            timeout: int | None = None) -> Outcome:
    agent = get_agent(agent_name)
    spec = _spec(agent)
    scope, path = settings_file(agent, scope, project)
    settings, original = read_settings(path)
    hook = spec.entry(hook_command(agent.name, command),
                      timeout if timeout is not None else hook_timeout_s(agent.name))
    merged = merge(settings, agent, hook, path)
    if merged == settings:
        action = "unchanged"
    else:
        before = find_installed_hooks(settings, agent.name)
        action = "updated" if any(h["event"] in _event_names(spec, agent)
                                  for h in before) else "installed"
    after = render_settings(merged, original) if action != "unchanged" else (original or "")
    outcome = Outcome(agent=agent.name, action=action, scope=scope, file=path,
                      command=_our_command(hook, agent.name, spec.command_keys),
                      timeout=_written_timeout(hook), dry_run=dry_run, before=original,
                      after=after, settings=merged,
                      notice=spec.notice if action != "unchanged" else "")
    return commit(outcome, original)


def uninstall(agent_name: str, scope: str | None = None, project: Path | None = None,
              dry_run: bool = False) -> Outcome:
    agent = get_agent(agent_name)
    spec = _spec(agent)
    scope, path = settings_file(agent, scope, project)
    settings, original = read_settings(path)
    remaining, removed = unmerge(settings, agent, path)
    action = "removed" if removed else "not-installed"
    after: str | None = original or ""
    if removed:
        after = None if spec.owns_file and not remaining else render_settings(remaining,
                                                                              original)
    outcome = Outcome(agent=agent.name, action=action, scope=scope, file=path, removed=removed,
                      dry_run=dry_run, before=original, after=after, settings=remaining)
    return commit(outcome, original)
