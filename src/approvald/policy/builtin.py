"""Self-protection: rules every layer gets and none can disable.

The agent must not operate approvald itself (approve its own requests, install or remove the
hook, read credentials, stop the daemon), reach approvald's socket, state or config, or edit the
agent settings that hold the hook. Built in code because the paths depend on the machine.
"""

from __future__ import annotations

from typing import Any

from approvald.paths import Paths

SELF_PREFIX = "self."

OPERATOR_SUBCOMMANDS = ["install", "uninstall", "secrets", "daemon", "service"]
AGENT_SETTINGS = [
    ".claude/settings.json",
    ".claude/settings.local.json",
    "~/.claude.json",
    "managed-settings.json",
    ".mcp.json",
    ".cursor/hooks.json",
    ".cursor/mcp.json",
    ".cursor/permissions.json",
    ".codex/config.toml",
    ".codex/hooks.json",
    ".gemini/settings.json",
    ".github/hooks/*.json",
    ".github/copilot/settings.json",
    ".github/copilot/settings.local.json",
    ".github/mcp.json",
    ".copilot/hooks/*.json",
    ".copilot/settings.json",
    ".copilot/config.json",
    ".copilot/mcp-config.json",
]
# Programs that change files named in their arguments.
FILE_WRITERS = [
    "tee", "cp", "mv", "rm", "ln", "install", "truncate", "dd", "sed", "perl", "awk", "gawk",
    "python*", "node", "ruby", "chmod", "chown", "touch", "rsync", "unlink", "shred", "jq",
    "sponge", "patch", "vi", "vim", "nvim", "nano", "emacs", "ed", "ex",
]
DAEMON_CONTROLLERS = ["pkill", "killall", "systemctl", "launchctl", "brew", "sc", "taskkill"]
PYTHON = "python*"


def self_protection_rules(paths: Paths) -> list[dict[str, Any]]:
    owned: list[str] = []
    for directory in paths.owned_dirs():
        text = str(directory).rstrip("/\\")
        owned += [text, text + "/**"]
    owned.append(str(paths.config))
    operator = ["approvals", *OPERATOR_SUBCOMMANDS]
    return [
        {
            "id": "self.operator-commands",
            "decision": "DENY",
            "reason": "Approving, installing, credentials and daemon control are the operator's "
                      "acts; the agent may not run them.",
            "match": {"any_of": [
                {"program": "approvald", "args": [["approvals"], ["approve", "deny"]]},
                {"program": "approvald", "args": [OPERATOR_SUBCOMMANDS]},
                {"program": PYTHON, "args": ["-m", "approvald", operator]},
            ]},
        },
        {
            "id": "self.stop-daemon",
            "decision": "DENY",
            "reason": "The agent may not stop or reconfigure the approvald daemon.",
            "match": {"program": DAEMON_CONTROLLERS, "any_arg": ["*approvald*"]},
        },
        {
            "id": "self.state",
            "decision": "DENY",
            "reason": "approvald's socket, state and configuration are off limits to the agent.",
            "match": {"any_of": [
                {"path_arg": owned},
                {"path": owned},
                {"reads": owned},
                {"writes": owned},
            ]},
        },
        {
            "id": "self.agent-settings",
            "decision": "DENY",
            "reason": "Agent settings hold the approvald hook; the agent may not change them.",
            "match": {"any_of": [
                {"kind": "fs.write", "path": AGENT_SETTINGS},
                {"writes": AGENT_SETTINGS},
                {"program": FILE_WRITERS, "path_arg": AGENT_SETTINGS},
            ]},
        },
    ]
