"""OpenAI Codex CLI: its PreToolUse payload, its answer, and where its hook is installed.

The payload (Codex 0.124 and later, where hooks are on by default) is `{"session_id",
"turn_id", "cwd", "hook_event_name": "PreToolUse", "model", "permission_mode", "tool_name",
"tool_input", "tool_use_id", ...}`. Shell-like tools arrive as `Bash` with `{"command": ...}`;
`apply_patch` carries the patch text in `tool_input.command` (every file it adds, deletes,
updates or moves is an `fs.write` path); MCP tools are `mcp__<server>__<tool>` with the MCP
arguments as `tool_input`.

The answer: exit 0 with empty stdout is "no opinion" (Codex's own approval rules apply). A
deny is Claude Code's `hookSpecificOutput` with `permissionDecision: "deny"` and a non-empty
reason. Codex has no "ask", and takes a bare `allow` or an `ask` for a failed hook, which lets
the tool run; a crash, a timeout or any exit other than 0/2 lets it run too. So this module
never renders allow or ask (an approval is no opinion; anything that would ask is a deny), and
the daemon's route waits for the person before answering.

The hook lives in `~/.codex/hooks.json` (`$CODEX_HOME/hooks.json`; scope user) or
`<project>/.codex/hooks.json` (project), as a match-all PreToolUse group; its `timeout` is in
seconds. Codex runs a new or changed hook only after the person trusts it (`/hooks` in the
Codex TUI); `approvald doctor` reports a hook not trusted yet.
"""

from __future__ import annotations

from approvald.agents import base
from approvald.agents.base import DENY, HookReply, Verdict
from approvald.agents.claude_code import REPLY_PREFIX, command_entry, hook_specific_output

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:

    from approvald.model.actions import Action

NAME = "codex"
EVENT = "PreToolUse"
PATCH_TOOL = "apply_patch"
# Where apply_patch's text may sit (`command` today; the others are the same call's older or
# freeform spellings).
PATCH_KEYS = ("command", "patch", "input")
TRUST_NOTICE = ("Codex runs a new or changed hook only once you trust it: start `codex` and "
                "review the approvald hook (/hooks). `approvald doctor` says while it is not "
                "trusted yet.")


settings_file = base.ScopedPaths({"user": "~/.codex/hooks.json", "project": ".codex/hooks.json"},
                                 dir_env=("CODEX_HOME", "~/.codex"))


class Codex(base.Agent):
    name = NAME
    display_name = "Codex"
    native_ask = False
    install = base.HookInstall(scopes=settings_file.scopes, events=((EVENT, "*"),),
                               settings_file=settings_file, entry=command_entry,
                               notice=TRUST_NOTICE)
    mcp = base.McpConfig(files={"user": "~/.codex/config.toml", "project": ".codex/config.toml"},
                         format="toml", servers_key="mcp_servers",
                         dir_env=("CODEX_HOME", "~/.codex"))
    doctor_scanner = "codex"
    # CODEX_THREAD_ID in every shell it starts (openai/codex#10096, 2026-01); CODEX_SANDBOX
    # (`seatbelt`) and CODEX_SANDBOX_NETWORK_DISABLED=1 in what it runs sandboxed.
    env_markers = (("CODEX_THREAD_ID", None), ("CODEX_SANDBOX", None),
                   ("CODEX_SANDBOX_NETWORK_DISABLED", "1"))

    def render(self, verdict: Verdict) -> HookReply:
        if verdict.permission is None or verdict.permission not in (DENY, "ask"):
            return HookReply("")  # allow: no opinion (a bare "allow" would fail the hook)
        # Codex ignores a deny without a reason (and lets the tool run).
        return hook_specific_output(Verdict(DENY, verdict.reason or "approvald: denied"))

    def is_reply(self, text: str) -> bool:
        return not text or (text.startswith(REPLY_PREFIX) and '"permissionDecision": "deny"'
                            in text)

    def action(self, payload: object) -> Action:
        from approvald.agents import tools

        payload = tools.require_object(payload, "Codex")
        tools.require_event(payload, EVENT, "Codex")
        call = tools.snake_case_call(NAME, payload, "Codex", prompt_key="turn_id")
        if call.tool == PATCH_TOOL:
            return tools.patch(call, PATCH_KEYS)
        return tools.claude_tool(call)  # Bash, mcp__server__tool, and the rest as other


AGENT = Codex()
