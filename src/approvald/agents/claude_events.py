"""Claude Code's hook events besides PreToolUse: their payloads and answers (docs/HOOKS.md).

Payloads, as Claude Code's hooks reference gives them (v2.1.240):

- PostToolUse: `tool_name`, `tool_input`, `tool_response` (the tool's structured output: Bash
  `{stdout, stderr, interrupted, isImage, ...}`, Read `{type, file: {filePath, content, ...}}`,
  WebFetch `{bytes, code, codeText, result, durationMs, url}`, an MCP tool's string or content
  blocks), `tool_use_id`, `duration_ms`;
- PostToolUseFailure: `tool_name`, `tool_input`, `tool_use_id`, `error` (for Bash, `Exit code N`
  and the output), `is_interrupt`;
- PermissionRequest: `tool_name`, `tool_input`, `permission_suggestions` (no `tool_use_id`);
- ConfigChange: `source` (user_settings, project_settings, local_settings, policy_settings,
  skills), `file_path`;
- SessionStart: `source` (startup, resume, clear, compact, fork), `model`; SessionEnd: `reason`.

All carry `session_id`, `transcript_path`, `cwd`, `hook_event_name`, and most `permission_mode`.

Answers, each in the form Claude Code honours for that event:

- PostToolUse: `hookSpecificOutput.updatedToolOutput`, the tool's output object with its
  secrets replaced (same keys, same types: a replacement that does not match the tool's output
  schema is ignored by Claude Code);
- a turn to end (a failed tool's output holding a secret, or output that could not be checked):
  `{"continue": false, "stopReason": ...}`;
- ConfigChange: `{"decision": "block", "reason"}` and exit 2;
- PermissionRequest: `hookSpecificOutput.decision` `{behavior: allow, updatedPermissions}` or
  `{behavior: deny, message}`; no output is no decision (Claude Code's own dialog decides);
- SessionStart, SessionEnd: nothing.
"""

from __future__ import annotations

from approvald.agents.base import (
    CONFIG_CHANGE,
    MISSING,
    PERMISSION_PROMPT,
    SESSION_END,
    SESSION_START,
    TOOL_FAILURE,
    TOOL_OUTPUT,
    EventAnswer,
    HookEvent,
    HookReply,
)

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

POST_TOOL_USE = HookEvent("PostToolUse", TOOL_OUTPUT, matcher="*", timeout_s=30)
POST_TOOL_USE_FAILURE = HookEvent("PostToolUseFailure", TOOL_FAILURE, matcher="*", timeout_s=30)
PERMISSION_REQUEST = HookEvent("PermissionRequest", PERMISSION_PROMPT, matcher="*")
CONFIG = HookEvent("ConfigChange", CONFIG_CHANGE, timeout_s=30)
# SessionEnd hooks share a budget of 1.5 s unless a settings file's timeout raises it.
SESSION_STARTED = HookEvent("SessionStart", SESSION_START, timeout_s=10)
SESSION_ENDED = HookEvent("SessionEnd", SESSION_END, timeout_s=5)
EVENTS = (POST_TOOL_USE, POST_TOOL_USE_FAILURE, PERMISSION_REQUEST, CONFIG, SESSION_STARTED,
          SESSION_ENDED)

STOP_PREFIX = '{"continue": false'
BLOCK_PREFIX = '{"decision": "block"'


def _specific_prefix(event: HookEvent) -> str:
    return '{"hookSpecificOutput": {"hookEventName": "' + event.name + '"'


def _dump(doc: dict[str, Any]) -> str:
    import json  # not at import: the hook imports this module on its fast path

    return json.dumps(doc, ensure_ascii=False)


def render(event: HookEvent, answer: EventAnswer) -> HookReply:
    if event.kind == CONFIG_CHANGE:
        if not answer.block:
            return HookReply("")
        reason = answer.reason or "approvald blocked this settings change"
        # Exit 2 blocks the change whatever else Claude Code reads; the JSON says why.
        return HookReply(_dump({"decision": "block", "reason": reason}), 2, reason)
    if event.kind == PERMISSION_PROMPT:
        if answer.permission not in ("allow", "deny"):
            return HookReply("")
        decision: dict[str, Any] = {"behavior": answer.permission}
        if answer.permission == "allow" and answer.permissions:
            decision["updatedPermissions"] = answer.permissions
        if answer.permission == "deny":
            decision["message"] = answer.reason or "denied in approvald"
        return HookReply(_dump({"hookSpecificOutput": {"hookEventName": event.name,
                                                       "decision": decision}}))
    if event.kind in (TOOL_OUTPUT, TOOL_FAILURE):
        specific: dict[str, Any] = {"hookEventName": event.name}
        if event.kind == TOOL_OUTPUT and answer.output is not MISSING:
            specific["updatedToolOutput"] = answer.output
        if answer.context:
            specific["additionalContext"] = answer.context
        if answer.stop:
            doc: dict[str, Any] = {"continue": False, "stopReason": answer.reason}
            if len(specific) > 1:
                doc["hookSpecificOutput"] = specific
            return HookReply(_dump(doc))
        if len(specific) > 1:
            return HookReply(_dump({"hookSpecificOutput": specific}))
    return HookReply("")


def failure(event: HookEvent, reason: str) -> HookReply:
    """The event's fail-closed answer when approvald has nothing better."""
    if event.kind == CONFIG_CHANGE:
        return render(event, EventAnswer(block=True, reason=(
            f"{reason}; approvald could not check this settings change, so it is not applied "
            "to the running session")))
    if event.kind in (TOOL_OUTPUT, TOOL_FAILURE):
        return render(event, EventAnswer(stop=True, reason=(
            f"{reason}; approvald could not check this tool's output for secrets, so Claude "
            "stops here")))
    # PermissionRequest: no decision leaves Claude Code's own dialog to the person (never an
    # allow). SessionStart/SessionEnd decide nothing.
    return HookReply("")


def is_reply(event: HookEvent, text: str) -> bool:
    if not text:
        return True
    if event.kind == CONFIG_CHANGE:
        return text.startswith(BLOCK_PREFIX)
    if event.kind in (TOOL_OUTPUT, TOOL_FAILURE):
        return text.startswith((_specific_prefix(event), STOP_PREFIX))
    if event.kind == PERMISSION_PROMPT:
        return text.startswith(_specific_prefix(event))
    return False


def payload_fields(event: HookEvent, payload: object) -> dict[str, Any]:
    from approvald.agents import tools
    from approvald.model.actions import ActionError

    doc = tools.require_object(payload, "Claude Code")
    tools.require_event(doc, event.name, "Claude Code")
    fields: dict[str, Any] = {
        "session_id": tools.text_field(doc, "session_id", required=False),
        "cwd": tools.text_field(doc, "cwd", required=False),
        "permission_mode": tools.text_field(doc, "permission_mode", required=False),
    }
    if event.kind in (TOOL_OUTPUT, TOOL_FAILURE):
        fields["tool"] = tools.text_field(doc, "tool_name", label="Claude Code payload")
        fields["tool_use_id"] = tools.correlation_id(doc, "tool_use_id")
        fields["input"] = doc.get("tool_input")
        if event.kind == TOOL_OUTPUT:
            fields["response"] = doc.get("tool_response")
        else:
            fields["error"] = tools.text_field(doc, "error", required=False)
    elif event.kind == CONFIG_CHANGE:
        fields["source"] = tools.text_field(doc, "source", required=False)
        fields["file_path"] = tools.text_field(doc, "file_path", required=False)
    elif event.kind == PERMISSION_PROMPT:
        suggestions = doc.get("permission_suggestions")
        if suggestions is not None and not isinstance(suggestions, list):
            raise ActionError("Claude Code field 'permission_suggestions' must be a list")
        fields["suggestions"] = [s for s in suggestions or [] if isinstance(s, dict)]
    elif event.kind in (SESSION_START, SESSION_END):
        fields["source"] = tools.text_field(doc, "source", required=False)
        fields["reason"] = tools.text_field(doc, "reason", required=False)
        fields["model"] = tools.text_field(doc, "model", required=False)
    return fields


# Claude Code's rule syntax: `Bash(cmd)` is that command exactly (`*` is a wildcard), a path
# rule `//abs/path` is that absolute path (gitignore syntax, so `*?[` widen it), WebFetch
# `domain:host`; an MCP tool is named whole. Edit rules cover Write and NotebookEdit too.
_GLOB_CHARS = frozenset("*?[]{}!")
_EDIT_TOOLS = ("Edit", "Write", "MultiEdit", "NotebookEdit")


def permission_rule(tool: str, tool_input: Any) -> dict[str, str] | None:
    """The narrowest allow rule Claude Code can keep for this one call, or None when its rule
    syntax cannot say it that narrowly."""
    data = tool_input if isinstance(tool_input, dict) else {}
    if tool.startswith("mcp__") and tool.count("__") >= 2:
        return {"toolName": tool}
    if tool == "Bash":
        command = data.get("command")
        if isinstance(command, str) and command.strip() and "*" not in command:
            return {"toolName": "Bash", "ruleContent": command}
        return None
    if tool in _EDIT_TOOLS or tool == "Read":
        path = data.get("file_path") or data.get("notebook_path")
        if (isinstance(path, str) and path.startswith("/") and not _GLOB_CHARS & set(path)
                and "\n" not in path):
            return {"toolName": "Read" if tool == "Read" else "Edit", "ruleContent": "/" + path}
        return None
    if tool == "WebFetch":
        from urllib.parse import urlsplit

        url = data.get("url")
        host = urlsplit(url).hostname if isinstance(url, str) else None
        if host and not _GLOB_CHARS & set(host):
            return {"toolName": "WebFetch", "ruleContent": f"domain:{host}"}
    return None


_WHERE = {"session": "for this session", "localSettings": "in .claude/settings.local.json",
          "projectSettings": "in .claude/settings.json",
          "userSettings": "in ~/.claude/settings.json"}


def entries_text(entries: list[dict[str, Any]]) -> str:
    """`updatedPermissions` entries as Claude Code writes its rules: `Bash(npm test) in
    .claude/settings.local.json`."""
    parts = []
    for entry in entries:
        where = _WHERE.get(str(entry.get("destination")), "")
        for rule in entry.get("rules") or ():
            content = rule.get("ruleContent")
            text = str(rule.get("toolName")) + (f"({content})" if content else "")
            parts.append(f"{text} {where}".rstrip())
    return "; ".join(parts)


def rule_entry(rule: dict[str, str], destination: str) -> dict[str, Any]:
    """One `updatedPermissions` entry adding `rule` as an allow rule at `destination`
    (`session`, `localSettings`, `projectSettings`, `userSettings`)."""
    return {"type": "addRules", "rules": [rule], "behavior": "allow", "destination": destination}
