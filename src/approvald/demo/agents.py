"""Stand-ins for the agents: the hook payloads each sends, and how each reads the answer.

A `SimulatedAgent` builds the payload its agent would send for a shell line, a file read, a file
write or an MCP tool call, and reads the hook's output the way that agent does (its own fields,
exit codes and failure rules). The demo drives the real hook with them; the conformance tests
use them to see every answer as the agent would.

`answer()` gives (allow|deny|ask|error, reason): "error" is output the agent would take as a
failed hook (which most of them let through), never a decision.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timezone
from typing import Any, ClassVar

ALLOW, DENY, ASK, ERROR = "allow", "deny", "ask", "error"


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


class SimulatedAgent:
    """One agent: its tool names and argument keys for a shell line, a read and a write (the
    payload around them is `_payload`'s), and how it reads an answer."""

    name = ""
    display_name = ""
    shell_tool, read_tool, write_tool = "", "", ""
    path_key, content_key = "file_path", "content"
    shell_extra: ClassVar[dict[str, Any]] = {}

    def _payload(self, tool: str, tool_input: dict[str, Any], cwd: str, session: str) -> dict[
            str, Any]:
        raise NotImplementedError

    def shell(self, command: str, cwd: str, session: str, description: str = "") -> dict[
            str, Any]:
        tool_input = {"command": command, **self.shell_extra}
        if description:
            tool_input["description"] = description
        return self._payload(self.shell_tool, tool_input, cwd, session)

    def read(self, path: str, cwd: str, session: str) -> dict[str, Any]:
        return self._payload(self.read_tool, {self.path_key: path}, cwd, session)

    def write(self, path: str, content: str, cwd: str, session: str) -> dict[str, Any]:
        return self._payload(self.write_tool, {self.path_key: path, self.content_key: content},
                             cwd, session)

    def mcp(self, server: str, tool: str, arguments: dict[str, Any], cwd: str,
            session: str) -> dict[str, Any]:
        raise NotImplementedError

    def answer(self, stdout: str, stderr: str, exit_code: int) -> tuple[str, str]:
        raise NotImplementedError


class _ClaudeLike(SimulatedAgent):
    """Claude Code's payload: Codex sends the same fields (plus turn_id and model)."""

    shell_tool, read_tool, write_tool = "Bash", "Read", "Write"

    def _payload(self, tool: str, tool_input: dict[str, Any], cwd: str, session: str) -> dict[
            str, Any]:
        return {"session_id": session, "transcript_path": f"/tmp/{session}.jsonl", "cwd": cwd,
                "permission_mode": "default", "hook_event_name": "PreToolUse",
                "tool_name": tool, "tool_input": tool_input,
                "tool_use_id": "toolu_01" + secrets.token_hex(11)}

    def mcp(self, server: str, tool: str, arguments: dict[str, Any], cwd: str,
            session: str) -> dict[str, Any]:
        return self._payload(f"mcp__{server}__{tool}", arguments, cwd, session)

    def answer(self, stdout: str, stderr: str, exit_code: int) -> tuple[str, str]:
        text = stdout.strip()
        if exit_code == 2:
            return (DENY, stderr.strip()) if stderr.strip() else (ERROR, "exit 2, no reason")
        if exit_code != 0:
            return ERROR, f"exit {exit_code}"
        if not text:
            return ALLOW, "no objection"
        doc = _json(text)
        out = doc.get("hookSpecificOutput") if isinstance(doc, dict) else None
        return self._judge(out if isinstance(out, dict) else {}, text)

    def _judge(self, out: dict[str, Any], text: str) -> tuple[str, str]:
        """What the agent makes of its `hookSpecificOutput` (`text`: the whole answer)."""
        raise NotImplementedError


class ClaudeCode(_ClaudeLike):
    name, display_name = "claude-code", "Claude Code"

    def _judge(self, out: dict[str, Any], text: str) -> tuple[str, str]:
        if out.get("permissionDecision") in (ALLOW, DENY, ASK):
            return str(out["permissionDecision"]), str(out.get("permissionDecisionReason", ""))
        return ERROR, f"unreadable hook output: {text[:200]}"


class Codex(_ClaudeLike):
    """Codex reads only a deny (with a reason) or nothing; a bare allow or an ask fails the
    hook, and a failed hook lets the tool run."""

    name, display_name = "codex", "Codex"

    def _payload(self, tool: str, tool_input: dict[str, Any], cwd: str, session: str) -> dict[
            str, Any]:
        return {**super()._payload(tool, tool_input, cwd, session), "turn_id": "1",
                "model": "gpt-5-codex", "transcript_path": None}

    def write(self, path: str, content: str, cwd: str, session: str) -> dict[str, Any]:
        lines = "".join(f"+{line}\n" for line in content.splitlines())
        patch = f"*** Begin Patch\n*** Add File: {path}\n{lines}*** End Patch\n"
        return self._payload("apply_patch", {"command": patch}, cwd, session)

    def _judge(self, out: dict[str, Any], text: str) -> tuple[str, str]:
        if out.get("permissionDecision") == DENY and out.get("permissionDecisionReason"):
            return DENY, str(out["permissionDecisionReason"])
        return ERROR, f"Codex would fail this hook and run the tool: {text[:200]}"


class Gemini(SimulatedAgent):
    name, display_name = "gemini", "Gemini CLI"
    shell_tool, read_tool, write_tool = "run_shell_command", "read_file", "write_file"
    shell_extra: ClassVar[dict[str, Any]] = {"dir_path": "."}

    def _payload(self, tool: str, tool_input: dict[str, Any], cwd: str, session: str,
                 **extra: Any) -> dict[str, Any]:
        return {"session_id": session, "transcript_path": f"/tmp/{session}.json", "cwd": cwd,
                "hook_event_name": "BeforeTool",
                "timestamp": datetime.now(timezone.utc).isoformat(), "tool_name": tool,
                "tool_input": tool_input, **extra}

    def mcp(self, server: str, tool: str, arguments: dict[str, Any], cwd: str,
            session: str) -> dict[str, Any]:
        return self._payload(f"mcp_{server}_{tool}", arguments, cwd, session,
                             mcp_context={"server_name": server, "tool_name": tool,
                                          "command": "npx", "args": ["-y", server]})

    def answer(self, stdout: str, stderr: str, exit_code: int) -> tuple[str, str]:
        text = stdout.strip() or stderr.strip()
        doc = _json(text) if text else None
        if isinstance(doc, dict):
            decision = doc.get("decision")
            if decision in (DENY, "block"):
                return DENY, str(doc.get("reason", ""))
            if decision == ASK:
                return ASK, str(doc.get("reason", ""))
            return ALLOW, str(doc.get("reason", "no objection"))
        if not text:
            return (ALLOW, "no objection") if exit_code == 0 else (ERROR, f"exit {exit_code}")
        if exit_code not in (0, 1):
            return DENY, text
        return ERROR, f"Gemini CLI would show this and run the tool: {text[:200]}"


class Cursor(SimulatedAgent):
    """Cursor as approvald installs it (`failClosed: true`)."""

    name, display_name = "cursor", "Cursor"

    def _event(self, event: str, root: str, session: str, **fields: Any) -> dict[str, Any]:
        return {"hook_event_name": event, "conversation_id": session,
                "generation_id": "gen-" + secrets.token_hex(4), "workspace_roots": [root],
                "cursor_version": "2.4.21", **fields}

    def shell(self, command: str, cwd: str, session: str, description: str = "") -> dict[
            str, Any]:
        return self._event("beforeShellExecution", cwd, session, command=command, cwd=cwd)

    def read(self, path: str, cwd: str, session: str) -> dict[str, Any]:
        return self._event("beforeReadFile", cwd, session, file_path=path,
                             content="(the file's content)", attachments=[])

    def write(self, path: str, content: str, cwd: str, session: str) -> dict[str, Any]:
        return self._event("preToolUse", cwd, session, tool_name="Write",
                             tool_input={"file_path": path, "contents": content}, cwd=cwd)

    def mcp(self, server: str, tool: str, arguments: dict[str, Any], cwd: str,
            session: str) -> dict[str, Any]:
        return self._event("beforeMCPExecution", cwd, session, tool_name=tool,
                             tool_input=json.dumps(arguments), mcp_server_name=server,
                             command=f"npx -y {server}")

    def answer(self, stdout: str, stderr: str, exit_code: int) -> tuple[str, str]:
        if exit_code == 2:
            return DENY, stderr.strip() or "exit 2"
        doc = _json(stdout.strip()) if exit_code == 0 else None
        if isinstance(doc, dict) and doc.get("permission") in (ALLOW, DENY, ASK):
            return str(doc["permission"]), str(doc.get("agent_message")
                                               or doc.get("user_message") or "")
        return ERROR, f"exit {exit_code}: {stdout.strip()[:200]}"


class Copilot(SimulatedAgent):
    name, display_name = "copilot", "Copilot CLI"
    shell_tool, read_tool, write_tool = "bash", "view", "create"
    path_key, content_key = "path", "file_text"

    def _payload(self, tool: str, tool_input: dict[str, Any], cwd: str, session: str) -> dict[
            str, Any]:
        return {"sessionId": session, "timestamp": int(time.time() * 1000), "cwd": cwd,
                "toolName": tool, "toolArgs": json.dumps(tool_input)}

    def mcp(self, server: str, tool: str, arguments: dict[str, Any], cwd: str,
            session: str) -> dict[str, Any]:
        return self._payload(f"{server}-{tool}", arguments, cwd, session)

    def answer(self, stdout: str, stderr: str, exit_code: int) -> tuple[str, str]:
        if exit_code == 2:
            return DENY, stderr.strip() or stdout.strip()
        if exit_code != 0:
            return ERROR, f"exit {exit_code} (Copilot denies: hook errored)"
        text = stdout.strip()
        if not text:
            return ALLOW, "no objection"
        doc = _json(text)
        if isinstance(doc, dict) and doc.get("permissionDecision") in (ALLOW, DENY, ASK):
            return str(doc["permissionDecision"]), str(doc.get("permissionDecisionReason", ""))
        return ERROR, f"Copilot CLI would ignore this and run the tool: {text[:200]}"


class OpenCode(SimulatedAgent):
    """OpenCode through approvald's plugin: the payload the plugin sends, read the way the
    plugin reads the answer (it throws, which blocks the tool, on anything but an allow)."""

    name, display_name = "opencode", "OpenCode"
    shell_tool, read_tool, write_tool = "bash", "read", "write"
    path_key, content_key = "filePath", "content"

    def _payload(self, tool: str, tool_input: dict[str, Any], cwd: str, session: str) -> dict[
            str, Any]:
        return {"hook_event_name": "tool.execute.before", "tool": tool, "args": tool_input,
                "sessionID": session, "callID": "call_" + secrets.token_hex(8),
                "directory": cwd, "worktree": cwd}

    def mcp(self, server: str, tool: str, arguments: dict[str, Any], cwd: str,
            session: str) -> dict[str, Any]:
        return self._payload(f"{server}_{tool}", arguments, cwd, session)

    def answer(self, stdout: str, stderr: str, exit_code: int) -> tuple[str, str]:
        if exit_code != 0:  # the plugin throws: blocked, with the hook's stderr as the reason
            return DENY, stderr.strip() or f"exit {exit_code}"
        doc = _json(stdout.strip())
        if isinstance(doc, dict) and doc.get("decision") in (ALLOW, DENY):
            return str(doc["decision"]), str(doc.get("reason", ""))
        return ERROR, f"the plugin would block this unreadable answer: {stdout.strip()[:200]}"


SIMULATED: dict[str, SimulatedAgent] = {
    agent.name: agent for agent in (ClaudeCode(), Codex(), Gemini(), Cursor(), Copilot(),
                                    OpenCode())}


def simulated(name: str) -> SimulatedAgent:
    try:
        return SIMULATED[name]
    except KeyError:
        raise ValueError(f"no simulated agent {name!r} (one of {', '.join(SIMULATED)})") \
            from None
