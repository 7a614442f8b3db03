"""What every agent module provides, and what is the same for all of them.

An agent module turns that agent's hook payload into an `Action`, renders a `Verdict` as that
agent's stdout and exit code (`HookReply`), and names where its hook is installed
(`HookInstall`) and which doctor scanner reads its configuration. Everything else a hook does
(read and cap the input, dial the daemon, the deadline, the local fallback) is the
agent-agnostic hook runner's (`approvald.hook.runner`).

Import-light: the hook imports its agent on every tool call, so only the standard library's
cheapest modules are imported at module level (`typing` and `dataclasses` cost milliseconds).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from typing import Any

    from approvald.model.actions import Action

ALLOW = "allow"
DENY = "deny"
ASK = "ask"
PERMISSIONS = (ALLOW, DENY, ASK)


class Verdict:
    """What a hook answers, before any agent's format: `permission` None means no opinion (the
    agent's own permission rules apply; approvald's ALLOW), else allow, deny or ask."""

    __slots__ = ("permission", "reason")

    def __init__(self, permission: str | None, reason: str = ""):
        self.permission = permission
        self.reason = reason

    def __repr__(self) -> str:
        return f"Verdict({self.permission!r}, {self.reason!r})"


def deny(reason: str) -> Verdict:
    return Verdict(DENY, reason)


def _approval_reason(answer: Mapping[str, Any]) -> str:
    by = answer.get("decided_by") or "the operator"
    scope = " for this session" if answer.get("scope") == "session" else ""
    return f"approved by {by}{scope} (approvald approval {answer.get('approval_id')})"


def instead(suggest: object) -> str:
    """What a deny says the agent could do instead (a rule's `suggest:`), or ""."""
    if not isinstance(suggest, str) or not suggest.strip():
        return ""
    return f" Instead: {suggest.strip()}"


def verdict_from_answer(answer: object) -> Verdict:
    """The daemon's decision answer (docs/API.md, /v1/decide) as a Verdict; anything not
    understood is a deny. A deny carries the deciding rule's `suggest:`."""
    if not isinstance(answer, dict):
        return deny("approvald: the daemon's answer was not understood")
    decision = answer.get("decision")
    reason = str(answer.get("reason") or "")
    also = instead(answer.get("suggest"))
    if decision == "ALLOW":
        return Verdict(None, reason)
    if decision == "DENY":
        return deny((f"approvald: {reason}" if reason else "approvald: denied by policy") + also)
    if decision == "REQUIRE_APPROVAL":
        status = answer.get("status")
        if status == "approved":
            return Verdict(ALLOW, _approval_reason(answer))
        words = answer.get("decision_reason")
        if status == "denied":
            by = answer.get("decided_by") or "the operator"
            if by == "daemon":
                return deny(f"approvald: {words or 'daemon stopping'}")
            text = f"denied by {by}"
            return deny((f"approvald: {text}: {words}" if words else f"approvald: {text}")
                        + also)
        if status == "expired":
            return deny(f"approvald: {words or 'no decision in time'}{also}")
        return deny("approvald: approval still pending")
    return deny(f"approvald: unknown decision {decision!r}")


class HookReply:
    """What the hook process does: print `stdout`, print `stderr`, exit with `exit_code`."""

    __slots__ = ("exit_code", "stderr", "stdout")

    def __init__(self, stdout: str = "", exit_code: int = 0, stderr: str = ""):
        self.stdout = stdout
        self.exit_code = exit_code
        self.stderr = stderr

    def __repr__(self) -> str:
        return f"HookReply({self.stdout!r}, {self.exit_code}, {self.stderr!r})"


# What approvald does with a hook event beyond the decision before a tool runs.
TOOL_OUTPUT = "tool_output"  # a tool's result, before the model reads it: redacted
TOOL_FAILURE = "tool_failure"  # a failed tool's error text (it cannot be rewritten): checked
CONFIG_CHANGE = "config_change"  # the agent's settings changed mid-session: weakening blocked
PERMISSION_PROMPT = "permission_prompt"  # the agent asks the person itself: shown in approvald too
SESSION_START = "session_start"  # a session began: registered
SESSION_END = "session_end"  # a session ended: its pending approvals expire
EVENT_KINDS = (TOOL_OUTPUT, TOOL_FAILURE, CONFIG_CHANGE, PERMISSION_PROMPT, SESSION_START,
               SESSION_END)


class HookEvent:
    """One hook event an agent offers besides its pre-tool decision: `name` as the agent's
    settings spell it, what approvald does with it (`kind`), the matcher install writes, and the
    timeout install writes in seconds (None: the agent's hook timeout, for an event that waits
    for a person). Its hook command is `approvald hook AGENT NAME`."""

    __slots__ = ("kind", "matcher", "name", "timeout_s")

    def __init__(self, name: str, kind: str, *, matcher: str | None = None,
                 timeout_s: int | None = None):
        self.name = name
        self.kind = kind
        self.matcher = matcher
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"HookEvent({self.name!r}, {self.kind!r})"


MISSING: Any = object()  # an EventAnswer without a replacement output


class EventAnswer:
    """approvald's answer to a hook event, before any agent's format.

    - `block`: refuse what the event announces (a settings change), saying `reason`;
    - `output`: the tool's output to show the model instead (MISSING: leave it);
    - `stop`: end the agent's turn, `reason` shown to the person;
    - `permission`: for a permission prompt, "allow" or "deny" (None: no decision, the agent's
      own prompt stays), with `permissions` (rules for the agent to add) or `reason`;
    - `context`: a note for the model.
    """

    __slots__ = ("block", "context", "output", "permission", "permissions", "reason", "stop")

    def __init__(self, *, block: bool = False, reason: str = "", output: Any = MISSING,
                 stop: bool = False, permission: str | None = None,
                 permissions: list[dict[str, Any]] | None = None, context: str = ""):
        self.block = block
        self.reason = reason
        self.output = output
        self.stop = stop
        self.permission = permission
        self.permissions = permissions
        self.context = context

    def __repr__(self) -> str:
        fields = {k: getattr(self, k) for k in self.__slots__}
        return f"EventAnswer({fields})"


class HookInstall:
    """Where an agent's hook lives and what its entries look like: plain data the installer
    (`approvald.install.hooks`) and the doctor read.

    `settings_file(scope, project, environ)` is the JSON file for a scope. `events` lists
    `(event, matcher)` pairs: install puts one approvald entry under `hooks.<event>` for each.
    Two layouts:

    - grouped (Claude Code, Codex, Gemini CLI): `hooks.<event>` is a list of groups
      `{"matcher": ..., "hooks": [entry, ...]}`; the matcher goes on the group.
    - flat (Cursor, Copilot CLI): `hooks.<event>` is a list of entries; a matcher (when the
      event has one) goes on the entry itself.

    `entry(command, timeout_s)` is approvald's entry, in the agent's own fields and units.
    `command_keys` are the entry fields that hold the command (Copilot has `bash` and
    `powershell`). `skeleton` holds top-level keys a new file needs (`{"version": 1}`). With
    `owns_file`, the whole file is approvald's: uninstall deletes it once nothing else is left.
    `notice` is printed after an install (what the person still has to do).
    """

    __slots__ = ("command_keys", "entry", "events", "grouped", "notice", "owns_file", "scopes",
                 "settings_file", "skeleton")

    def __init__(self, *, scopes: tuple[str, ...], events: tuple[tuple[str, str | None], ...],
                 settings_file: Callable[[str, Path | None, Mapping[str, str] | None], Path],
                 entry: Callable[[str, int], dict[str, Any]], grouped: bool = True,
                 command_keys: tuple[str, ...] = ("command",),
                 skeleton: Mapping[str, Any] | None = None, owns_file: bool = False,
                 notice: str = ""):
        self.scopes = scopes
        self.events = events
        self.settings_file = settings_file
        self.entry = entry
        self.grouped = grouped
        self.command_keys = command_keys
        self.skeleton = dict(skeleton or {})
        self.owns_file = owns_file
        self.notice = notice

    @property
    def event_names(self) -> tuple[str, ...]:
        return tuple(event for event, _ in self.events)


class ScopedPaths:
    """An agent's file per scope, as plain data: `~/...` is under the user's home, anything
    else under the project (the working directory when none is given). `dir_env` =
    (VAR, "~/.dir"): when VAR is set, its value replaces that prefix (CODEX_HOME,
    CLAUDE_CONFIG_DIR). Callable as `paths(scope, project, environ)`."""

    __slots__ = ("dir_env", "files")

    def __init__(self, files: Mapping[str, str], dir_env: tuple[str, str] | None = None):
        self.files = dict(files)
        self.dir_env = dir_env

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.files)

    def file(self, scope: str, project: Path | None = None,
             environ: Mapping[str, str] | None = None) -> Path:
        import os
        from pathlib import Path

        if scope not in self.files:
            raise ValueError(f"unknown scope {scope!r} (one of {', '.join(self.files)})")
        env = os.environ if environ is None else environ
        template = self.files[scope]
        if self.dir_env and env.get(self.dir_env[0]) and (
                template + "/").startswith(self.dir_env[1] + "/"):
            rest = template[len(self.dir_env[1]):].lstrip("/")
            return Path(env[self.dir_env[0]]).expanduser() / rest
        if template.startswith("~/"):
            return Path(env.get("HOME") or str(Path.home())) / template[2:]
        return Path(os.path.abspath(project if project is not None else os.getcwd())) / template

    __call__ = file


class McpConfig(ScopedPaths):
    """Where an agent keeps its MCP servers (plain data, for `install AGENT --mcp` and the
    doctor): the file per scope, its format (`json`, `jsonc`, `toml`) and the key holding the
    servers' table."""

    __slots__ = ("format", "servers_key")

    def __init__(self, *, files: Mapping[str, str], format: str, servers_key: str,
                 dir_env: tuple[str, str] | None = None):
        super().__init__(files, dir_env)
        self.format = format
        self.servers_key = servers_key


class Agent:
    """One coding agent. Subclasses set the class attributes and implement `action` and
    `render`; `reply` and `reply_to_answer` are the same for every agent."""

    name: str = ""
    display_name: str = ""
    # The agent can ask the person itself. Without it (Codex, Gemini CLI) an "ask" would read
    # as a failure, and a failing hook lets the tool run, so the hook decides instead.
    native_ask: bool = True
    install: HookInstall | None = None
    mcp: McpConfig | None = None
    doctor_scanner: str = ""  # the module under approvald.doctor that reads its configuration
    # What the agent puts in the environment of everything it starts: (variable, value, or
    # None for any value). The daemon refuses operator requests from processes carrying one
    # (docs/SECURITY.md): a process the agent started cannot decide its approvals.
    env_markers: tuple[tuple[str, str | None], ...] = ()
    # Hook events besides the pre-tool decision (HookEvent): install writes them too, each
    # running `approvald hook AGENT EVENT`.
    hook_events: tuple[HookEvent, ...] = ()

    def action(self, payload: object) -> Action:
        """The payload as an Action; ActionError when it cannot be one."""
        raise NotImplementedError

    def render(self, verdict: Verdict) -> HookReply:
        """The verdict in this agent's own answer format."""
        raise NotImplementedError

    def is_reply(self, text: str) -> bool:
        """Whether `text` is something `render` could have printed: a daemon's rendered answer
        is printed only then (anything else could read as "proceed")."""
        raise NotImplementedError

    def hook_event(self, name: str) -> HookEvent | None:
        return next((e for e in self.hook_events if e.name == name), None)

    def render_event(self, event: HookEvent, answer: EventAnswer) -> HookReply:
        """`answer` to `event` in this agent's own format."""
        raise NotImplementedError

    def event_failure(self, event: HookEvent, reason: str) -> HookReply:
        """What the hook answers to `event` when nothing better can be had: that event's
        fail-closed form (docs/HOOKS.md)."""
        raise NotImplementedError

    def is_event_reply(self, event: HookEvent, text: str) -> bool:
        """Whether `text` is something `render_event` could have printed for `event`."""
        raise NotImplementedError

    def event_payload(self, event: HookEvent, payload: object) -> dict[str, Any]:
        """What approvald needs from `event`'s payload, in approvald's words (ActionError when
        the payload is not usable): `session_id`, `cwd`, `permission_mode` always; then by
        kind: `tool`, `response` (TOOL_OUTPUT), `tool`, `error` (TOOL_FAILURE), `source`,
        `file_path` (CONFIG_CHANGE), `suggestions` (PERMISSION_PROMPT, whose action is
        `action(payload)`), `source`/`reason`, `model` (SESSION_START/END)."""
        raise NotImplementedError

    def prompt_permissions(self, tool: str, tool_input: Any,
                           scope: str) -> list[dict[str, Any]] | None:
        """For a permission prompt approved with `scope` (`session`, or `always`: kept in the
        agent's settings), the narrow rule the agent should keep in its own terms, or None
        when it keeps none (the call alone is allowed)."""
        return None

    def permissions_summary(self, permissions: list[dict[str, Any]]) -> str:
        """What `prompt_permissions` gave, as a person reads it in the agent's own terms."""
        return ""

    def reply(self, verdict: Verdict) -> HookReply:
        if verdict.permission == ASK and not self.native_ask:
            verdict = deny(f"{verdict.reason} (nobody can be asked here, so this is denied)")
        return self.render(verdict)

    def reply_to_answer(self, answer: object) -> HookReply:
        return self.reply(verdict_from_answer(answer))
