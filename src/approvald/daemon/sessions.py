"""Agent sessions the daemon knows: registered at SessionStart (or first seen through any other
hook), ended at SessionEnd or when the agent's process exits (docs/API.md, "Sessions").

Each session names its agent, its project (the working directory it started in), its current
permission mode and the agent's process (learned from the hook's ancestry: the same knowledge
that keeps agents off the operator's side, daemon/guard.py). When a session ends (SessionEnd,
or for a session registered at its start, its agent's process exiting), its pending approvals
expire at once: nobody is waiting for them any more, and none may be granted to a session that
is gone. Sessions live in the daemon's memory: a restarted daemon learns them again from the
next hook each one runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from approvald.daemon import peers
from approvald.model import events
from approvald.model.clock import iso

if TYPE_CHECKING:
    from approvald.daemon.context import DaemonContext

log = logging.getLogger("approvald.daemon")

MAX_SESSIONS = 4096  # live sessions kept (the longest idle forgotten first)
SEEN = "seen"  # how a session began when its SessionStart was not seen (the daemon came later)


@dataclass
class Session:
    session_id: str
    agent: str
    project: str
    cwd: str
    permission_mode: str
    agent_pid: int | None
    agent_start: str | None  # the process's start stamp: a reused pid is not this agent
    started_at: float
    last_seen: float
    source: str
    model: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "agent": self.agent, "project": self.project,
                "cwd": self.cwd, "permission_mode": self.permission_mode or None,
                "agent_pid": self.agent_pid, "started_at": iso(self.started_at),
                "last_seen": iso(self.last_seen), "source": self.source,
                "model": self.model or None}


class SessionRegistry:
    """The live sessions. Called on the event loop (hooks, the sweep)."""

    def __init__(self, ctx: DaemonContext, clock: Callable[[], float] = time.time):
        self._ctx = ctx
        self._clock = clock
        self._live: dict[str, Session] = {}
        # Called with (agent, session_id, tool, tool_input) when a tool of a session ran, and
        # with (agent, session_id, None, None) when any later hook of it came: an agent prompt
        # for it is answered (daemon/prompts.py).
        self.on_progress: list[Callable[[str, str, str | None, Any], None]] = []

    def live(self) -> list[Session]:
        return sorted(self._live.values(), key=lambda s: s.started_at)

    def get(self, session_id: str) -> Session | None:
        return self._live.get(session_id)

    def _bind(self, session: Session, agent_pid: int | None, rebind: bool = False) -> None:
        """The session's agent process: the first one seen, or (`rebind`, at SessionStart) the
        one that started it again (a resumed session runs in a new process)."""
        if agent_pid is None or session.agent_pid == agent_pid:
            return
        if session.agent_pid is not None and not rebind:
            return
        proc = peers.process(agent_pid)
        session.agent_pid = agent_pid
        session.agent_start = proc.start if proc is not None else None

    def _open(self, agent: str, fields: dict[str, Any], agent_pid: int | None,
              source: str) -> Session:
        now = self._clock()
        cwd = str(fields.get("cwd") or "")
        session = Session(session_id=str(fields["session_id"]), agent=agent, project=cwd,
                          cwd=cwd, permission_mode=str(fields.get("permission_mode") or ""),
                          agent_pid=None, agent_start=None, started_at=now, last_seen=now,
                          source=source, model=str(fields.get("model") or ""))
        self._bind(session, agent_pid)
        self._ctx.sessions.add(session.session_id)
        if len(self._live) >= MAX_SESSIONS:
            idle = min(self._live.values(), key=lambda s: s.last_seen)
            self._live.pop(idle.session_id, None)
        self._live[session.session_id] = session
        self._remember_settings(agent, cwd)
        self._publish(events.SESSION_STARTED, session)
        log.info("%s session %s started (%s) in %s", agent, session.session_id, source, cwd)
        return session

    def saw(self, agent: str, fields: dict[str, Any], agent_pid: int | None) -> None:
        """Any hook of a session: register it if new, follow its mode, cwd and process."""
        session_id = str(fields.get("session_id") or "")
        if not session_id:
            return
        self._ctx.sessions.add(session_id)
        session = self._live.get(session_id)
        if session is None:
            self._open(agent, fields, agent_pid, SEEN)
            return
        session.last_seen = self._clock()
        if fields.get("cwd"):
            session.cwd = str(fields["cwd"])
        self._bind(session, agent_pid)
        mode = str(fields.get("permission_mode") or "")
        if mode and mode != session.permission_mode:
            session.permission_mode = mode
            self._publish(events.SESSION_UPDATED, session)

    def progressed(self, agent: str, session_id: str, tool: str | None = None,
                   tool_input: Any = None) -> None:
        for callback in list(self.on_progress):
            try:
                callback(agent, session_id, tool, tool_input)
            except Exception:
                log.exception("a session callback failed")

    def tool_ran(self, agent: str, fields: dict[str, Any]) -> None:
        """A tool of the session ran (its output came): `fields` name the tool and its input."""
        self.progressed(agent, str(fields.get("session_id") or ""), str(fields.get("tool") or ""),
                        fields.get("input"))

    def started(self, agent: str, fields: dict[str, Any], agent_pid: int | None) -> None:
        """SessionStart: a new session, or one resumed, cleared or compacted."""
        session_id = str(fields.get("session_id") or "")
        if not session_id:
            return
        session = self._live.get(session_id)
        source = str(fields.get("source") or "startup")
        if session is None or session.source == SEEN:
            self._live.pop(session_id, None)
            session = self._open(agent, fields, agent_pid, source)
        else:
            session.source = source
            session.model = str(fields.get("model") or session.model)
            self._bind(session, agent_pid, rebind=True)
            self._publish(events.SESSION_UPDATED, session)

    def ended(self, session_id: str, reason: str) -> None:
        """SessionEnd, or its agent's process gone: forget it, expire its pending approvals."""
        if not session_id:
            return
        session = self._live.pop(session_id, None)
        expired = self._ctx.approvals.expire_session(
            session_id, reason=f"the agent session ended ({reason})")
        for approval in expired:
            self._ctx.approval_decided(approval)
        self.progressed(session.agent if session else "", session_id)
        data: dict[str, Any] = (session.to_json() if session is not None
                                else {"session_id": session_id, "agent": None})
        data.update(ended_at=iso(self._clock()), reason=reason,
                    expired=[a.id for a in expired])
        self._ctx.report({"event": events.SESSION_ENDED, **data}, events.SESSION_ENDED, data)
        log.info("session %s ended (%s); %d pending approval(s) expired", session_id, reason,
                 len(expired))

    def sweep(self) -> None:
        """End the sessions whose agent process is gone (no SessionEnd came). Only sessions
        registered at their start: one merely seen through another hook may have been seen
        from a process that was not its agent's for good (a daemon started mid-session)."""
        for session in list(self._live.values()):
            if session.source == SEEN or session.agent_pid is None or session.agent_start is None:
                continue
            proc = peers.process(session.agent_pid)
            if proc is None or proc.start != session.agent_start:
                self.ended(session.session_id, "the agent's process exited")

    def _remember_settings(self, agent_name: str, project: str) -> None:
        """The session's settings files as they are now: what ConfigChange is judged against."""
        try:
            from approvald.agents import get_agent

            self._ctx.config_guard.remember(get_agent(agent_name), project)
        except Exception:
            log.exception("could not read %s's settings files for %s", agent_name, project)

    def _publish(self, event: str, session: Session) -> None:
        data = session.to_json()
        self._ctx.report({"event": event, **data}, event, data)
