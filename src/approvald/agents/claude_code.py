"""Claude Code: its PreToolUse payload, its answer, and where its hook is installed.

The payload is `{"session_id", "transcript_path", "cwd", "permission_mode", "hook_event_name",
"tool_name", "tool_input", "tool_use_id", ...}`. Claude Code adds top-level fields over time, so
unknown top-level keys are tolerated (and never fingerprinted); the fields we need are checked.

The answer: exit 0 with empty stdout is "no opinion" (Claude Code's own permission rules apply):
that is approvald's ALLOW. Everything else is a `hookSpecificOutput` with `permissionDecision`
`allow`, `deny` or `ask`. Claude Code treats a crash, a timeout, empty output or an exit code
other than 0/2 as "proceed", so every failure is rendered as an explicit deny.

The hook lives in `~/.claude/settings.json` (scope user), `<project>/.claude/settings.json`
(project) or `<project>/.claude/settings.local.json` (local), as a match-all PreToolUse group::

    {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": "/path/to/approvald hook claude-code", "timeout": 330}]}]}}

with one more group per other event (`claude_events`: PostToolUse, PostToolUseFailure,
PermissionRequest, ConfigChange, SessionStart, SessionEnd), each running
`approvald hook claude-code EVENT`.
"""

from __future__ import annotations

from approvald.agents import base, claude_events
from approvald.agents.base import EventAnswer, HookEvent, HookReply, Verdict

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

    from approvald.model.actions import Action

NAME = "claude-code"
EVENT = "PreToolUse"
REPLY_PREFIX = '{"hookSpecificOutput": {'


def hook_specific_output(verdict: Verdict) -> HookReply:
    """`{"hookSpecificOutput": {permissionDecision, permissionDecisionReason}}` (Claude Code's
    answer, which Codex reads too); no opinion is empty output."""
    if verdict.permission is None:
        return HookReply("")
    import json

    return HookReply(json.dumps({"hookSpecificOutput": {
        "hookEventName": EVENT,
        "permissionDecision": verdict.permission,
        "permissionDecisionReason": verdict.reason,
    }}, ensure_ascii=False))


settings_file = base.ScopedPaths({"user": "~/.claude/settings.json",
                                  "project": ".claude/settings.json",
                                  "local": ".claude/settings.local.json"},
                                 dir_env=("CLAUDE_CONFIG_DIR", "~/.claude"))


def command_entry(command: str, timeout: int) -> dict[str, Any]:
    """A `{"type": "command", "command", "timeout"}` handler (seconds): Codex's is the same."""
    return {"type": "command", "command": command, "timeout": timeout}


class ClaudeCode(base.Agent):
    name = NAME
    display_name = "Claude Code"
    native_ask = True
    install = base.HookInstall(scopes=settings_file.scopes, events=((EVENT, "*"),),
                               settings_file=settings_file, entry=command_entry)
    mcp = base.McpConfig(files={"user": "~/.claude.json", "project": ".mcp.json"}, format="json",
                         servers_key="mcpServers")
    doctor_scanner = "claude_code"
    env_markers = (("CLAUDECODE", "1"), ("CLAUDE_CODE_ENTRYPOINT", None))
    hook_events = claude_events.EVENTS

    def render(self, verdict: Verdict) -> HookReply:
        return hook_specific_output(verdict)

    def is_reply(self, text: str) -> bool:
        return not text or text.startswith(REPLY_PREFIX)

    def render_event(self, event: HookEvent, answer: EventAnswer) -> HookReply:
        return claude_events.render(event, answer)

    def event_failure(self, event: HookEvent, reason: str) -> HookReply:
        return claude_events.failure(event, reason)

    def is_event_reply(self, event: HookEvent, text: str) -> bool:
        return claude_events.is_reply(event, text)

    def event_payload(self, event: HookEvent, payload: object) -> dict[str, Any]:
        return claude_events.payload_fields(event, payload)

    def prompt_permissions(self, tool: str, tool_input: Any,
                           scope: str) -> list[dict[str, Any]] | None:
        rule = claude_events.permission_rule(tool, tool_input)
        if rule is None or scope not in ("session", "always"):
            return None
        # "always" lands in .claude/settings.local.json: this machine, this project.
        return [claude_events.rule_entry(rule, "session" if scope == "session"
                                         else "localSettings")]

    def permissions_summary(self, permissions: list[dict[str, Any]]) -> str:
        return claude_events.entries_text(permissions)

    def action(self, payload: object) -> Action:
        tools = _tools or _load_tools()
        payload = tools.require_object(payload, "Claude Code")
        return tools.claude_tool(tools.snake_case_call(NAME, payload, "Claude Code"))


_tools: Any = None  # approvald.agents.tools, imported on the first action (not on the fast path)


def _load_tools() -> Any:
    global _tools
    from approvald.agents import tools

    _tools = tools
    return tools


AGENT = ClaudeCode()
