"""What approvald's hooks in an agent's settings file cover, and whether a change weakens them
(Claude Code's ConfigChange; docs/HOOKS.md, "Tamper-proof settings").

A settings file's coverage: whether it turns every hook off (`disableAllHooks`), whether it
turns approvald's plugin off, and for each event install writes, approvald's entry there (match
all tools or not, its timeout, `async`, an `if` condition). A change weakens the file when,
against the coverage it had before (the daemon remembers each file from the session's start):
hooks are turned off; an entry of ours is gone (deleted, or its command changed); its matcher
no longer matches every tool; it became `async` (an async hook cannot block) or gained an
`if`; its timeout was lowered (a killed hook lets the tool run); the plugin was disabled.
Without that memory (no daemon), only what the file says on its own counts: hooks turned off,
the plugin disabled, an entry of ours narrowed, async, conditional, or timed out before an
approval could be answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from approvald.agents.base import Agent, EventAnswer
from approvald.install.hooks import MATCH_ALL, find_installed_hooks
from approvald.model import events

# Claude Code's ConfigChange `source` -> install's scope (policy settings cannot be blocked).
SOURCE_SCOPES = {"user_settings": "user", "project_settings": "project",
                 "local_settings": "local"}
POLICY_SOURCE = "policy_settings"
DEFAULT_TIMEOUT_S = 600.0  # Claude Code's default for command hooks (seconds)
PLUGIN_ID = "approvald@approvald-local"  # the plugin install --plugin enables (install/plugin.py)


@dataclass(frozen=True)
class Entry:
    """approvald's entry under one event."""

    match_all: bool
    timeout: float  # seconds (Claude Code's default when none is written)
    background: bool  # `async`/`asyncRewake`: it can no longer block
    conditional: bool  # an `if` condition: it runs only for some calls


@dataclass(frozen=True)
class Coverage:
    disabled: bool = False  # disableAllHooks
    plugin: bool | None = None  # enabledPlugins[PLUGIN_ID] as written (None: not there)
    entries: dict[str, Entry] = field(default_factory=dict)  # event -> our strongest entry


def _strength(entry: Entry) -> tuple[bool, bool, bool, float]:
    return (entry.match_all, not entry.background, not entry.conditional, entry.timeout)


def coverage(settings: Any, agent: Agent) -> Coverage:
    """The coverage `settings` (a settings file's JSON) gives approvald for `agent`."""
    if not isinstance(settings, dict):
        return Coverage()
    expected = {e.name: e.name for e in agent.hook_events}
    if agent.install is not None:
        expected.update({name: None for name in agent.install.event_names})  # type: ignore[misc]
    entries: dict[str, Entry] = {}
    for found in find_installed_hooks(settings, agent.name):
        event = found["event"]
        if event not in expected or found.get("argument") != expected[event]:
            continue  # another event's command: not this event's guard
        raw = _raw_entry(settings, found)
        timeout = found.get("timeout")
        entry = Entry(match_all=found.get("matcher") in (None, "", MATCH_ALL),
                      timeout=float(timeout) if isinstance(timeout, (int, float))
                      and not isinstance(timeout, bool) else DEFAULT_TIMEOUT_S,
                      background=bool(raw.get("async")) or bool(raw.get("asyncRewake")),
                      conditional=bool(raw.get("if")))
        if event not in entries or _strength(entry) > _strength(entries[event]):
            entries[event] = entry
    plugins = settings.get("enabledPlugins")
    plugin = plugins.get(PLUGIN_ID) if isinstance(plugins, dict) else None
    return Coverage(disabled=settings.get("disableAllHooks") is True,
                    plugin=plugin if isinstance(plugin, bool) else None, entries=entries)


def _raw_entry(settings: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    groups = settings["hooks"][found["event"]]
    container = groups[found["group"]]["hooks"] if found["group"] is not None else groups
    entry = container[found["index"]]
    return entry if isinstance(entry, dict) else {}


def weakened(before: Coverage, after: Coverage) -> list[str]:
    """How `after` covers less than `before` (one sentence each; empty: it does not)."""
    reasons: list[str] = []
    if after.disabled and not before.disabled:
        reasons.append("disableAllHooks turns every hook off, approvald's included")
    if before.plugin is True and after.plugin is not True:
        reasons.append(f"the approvald plugin ({PLUGIN_ID}) is "
                       + ("disabled" if after.plugin is False else "no longer enabled"))
    for event, was in before.entries.items():
        now = after.entries.get(event)
        if now is None:
            reasons.append(f"approvald's {event} hook is removed")
            continue
        reasons += _entry_weaker(event, was, now)
    return reasons


def _entry_weaker(event: str, was: Entry, now: Entry) -> list[str]:
    reasons = []
    if was.match_all and not now.match_all:
        reasons.append(f"approvald's {event} hook no longer matches every tool")
    if now.background and not was.background:
        reasons.append(f"approvald's {event} hook is made async (it could not block)")
    if now.conditional and not was.conditional:
        reasons.append(f"approvald's {event} hook gets an `if` condition")
    if now.timeout < was.timeout:
        reasons.append(f"approvald's {event} hook timeout is lowered from {was.timeout:g} s to "
                       f"{now.timeout:g} s")
    return reasons


def weak_on_its_own(after: Coverage, waits: dict[str, float]) -> list[str]:
    """How a file weakens approvald whatever it said before: hooks off, the plugin disabled,
    an entry of ours narrowed, async or conditional, or timed out before an approval can be
    answered (`waits`: event -> the shortest safe timeout, for the events that wait)."""
    reasons = []
    if after.disabled:
        reasons.append("disableAllHooks turns every hook off, approvald's included")
    if after.plugin is False:
        reasons.append(f"the approvald plugin ({PLUGIN_ID}) is disabled")
    for event, now in after.entries.items():
        strongest = Entry(True, max(now.timeout, waits.get(event, 0.0)), False, False)
        reasons += _entry_weaker(event, strongest, now)
    return reasons


def settings_path(agent: Agent, source: str, file_path: str, cwd: str) -> Path | None:
    """The settings file a change names: its `file_path`, else the file of its source's
    scope (None for sources that are not settings files)."""
    if file_path:
        return Path(file_path)
    scope = SOURCE_SCOPES.get(source)
    if scope is None or agent.install is None:
        return None
    return agent.install.settings_file(scope, Path(cwd) if cwd else None, None)


def read_coverage(agent: Agent, path: Path) -> tuple[Coverage, str | None]:
    """(the file's coverage, why it could not be read or None). A missing file covers
    nothing; a file that is not a JSON object cannot be judged."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return Coverage(), None
    except (OSError, UnicodeDecodeError) as exc:
        return Coverage(), f"{path} cannot be read ({exc})"
    if not text.strip():
        return Coverage(), None
    try:
        data = json.loads(text)
    except ValueError as exc:
        return Coverage(), f"{path} is not valid JSON ({exc})"
    if not isinstance(data, dict):
        return Coverage(), f"{path} does not hold a JSON object"
    return coverage(data, agent), None


def waiting_timeouts(agent: Agent) -> dict[str, float]:
    """Event -> the shortest timeout that outlasts an approval, for the events that wait."""
    from approvald.settings import HOOK_MARGIN_S, safe_load_settings

    need = float(safe_load_settings().approval_timeout_s + HOOK_MARGIN_S)
    events_waiting = list(agent.install.event_names) if agent.install is not None else []
    events_waiting += [e.name for e in agent.hook_events if e.timeout_s is None]
    return {name: need for name in events_waiting}


def config_change_answer(agent: Agent, fields: dict[str, Any], baseline: Coverage | None
                         ) -> tuple[EventAnswer, dict[str, Any], Coverage | None]:
    """(the answer to a settings change, its audit record, the file's coverage now or None).
    `baseline`: the file's coverage before the change, when known."""
    source = str(fields.get("source") or "")
    path = settings_path(agent, source, str(fields.get("file_path") or ""),
                         str(fields.get("cwd") or ""))
    record: dict[str, Any] = {"event": events.CONFIG_CHANGED, "agent": agent.name,
                              "session_id": fields.get("session_id") or "", "source": source,
                              "file": str(path) if path else None, "blocked": False,
                              "reasons": []}
    if path is None:  # skills, or a source that is no settings file
        return EventAnswer(), record, None
    after, unreadable = read_coverage(agent, path)
    if unreadable is not None:
        reasons = [f"{unreadable}, so approvald cannot tell what it does to its hooks"]
    elif baseline is not None:
        # Against what the file said before; hooks off is a weakening whatever it said.
        reasons = weakened(Coverage(plugin=baseline.plugin, entries=baseline.entries), after)
    else:
        reasons = weak_on_its_own(after, waiting_timeouts(agent))
    record["reasons"] = reasons
    if not reasons:
        return EventAnswer(), record, after
    if source == POLICY_SOURCE:  # managed settings cannot be blocked: reported only
        return EventAnswer(), record, after
    record["blocked"] = True
    why = "; ".join(reasons)
    return EventAnswer(block=True, reason=(
        f"approvald blocked this change to {path}: {why}. The running session keeps its hooks; "
        "the file on disk is changed, so a new session would start without them (approvald "
        "doctor reports it).")), record, None


def session_files(agent: Agent, project: str) -> list[Path]:
    """The agent's settings files for a session in `project` (user, project, local); only the
    user's without a project."""
    spec = agent.install
    if spec is None:
        return []
    scopes = spec.scopes if project else tuple(s for s in spec.scopes if s == "user")
    return [spec.settings_file(scope, Path(project) if project else None, None)
            for scope in scopes]
