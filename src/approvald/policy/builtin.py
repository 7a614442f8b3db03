"""Self-protection: rules every layer gets and none can disable.

The agent must not operate approvald itself (approve its own requests, open the dashboard,
install or remove the hook, read credentials, stop or replace the daemon), reach approvald's
socket, state or config (wherever `APPROVALD_HOME` points, and in the default places too),
press the dashboard's keys, start another agent with its hooks off, or change the agent
settings that hold the hook. Built in code because the paths depend on the machine.
"""

from __future__ import annotations

import os

from approvald.paths import Paths

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any

SELF_PREFIX = "self."

OPERATOR_SUBCOMMANDS = ["install", "uninstall", "secrets", "daemon", "service", "tui", "demo"]
AGENT_SETTINGS = [
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".claude/plugins/**",  # installed plugins (approvald's hooks, --plugin) and marketplaces
    "~/.claude.json",
    "managed-settings.json",
    ".mcp.json",
    ".cursor/hooks.json",
    ".cursor/mcp.json",
    ".cursor/permissions.json",
    ".cursor/cli-config.json",
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
    ".opencode/plugins/**",  # approvald's OpenCode plugin (project) ...
    "opencode/plugins/**",  # ... and the user's, under ~/.config (or $XDG_CONFIG_HOME)
    "opencode.json",
    "opencode.jsonc",
]
# Directories that hold agent settings: deleting, moving or replacing one replaces them.
AGENT_SETTINGS_DIRS = [".claude", ".cursor", ".codex", ".gemini", ".opencode",
                       "opencode/plugins"]
# Interpreters whose code can write a settings file it names.
CODE_WRITERS = ["python*", "pypy*", "node", "nodejs", "deno", "bun", "ruby", "perl", "php",
                "lua", "pwsh", "powershell", "osascript"]
_WRITE_CALLS = ["*write*", "*dump*", "*rename*", "*replace*", "*unlink*", "*remove*", "*copy*",
                "*move*", "*truncate*", "*chmod*", "*rmSync*", "*rm_rf*", "*'w'*", '*"w"*',
                "*'a'*", '*"a"*', "*>*", "*symlink*"]
DAEMON_CONTROLLERS = ["pkill", "killall", "kill", "systemctl", "launchctl", "brew", "sc",
                      "taskkill", "service", "supervisorctl", "fuser", "launchd", "stop-process",
                      "rc-service", "sv"]
PACKAGE_MANAGERS = ["pip", "pip3", "pipx", "uv", "brew", "scoop", "apt", "apt-get", "dnf", "yum",
                    "pacman", "snap", "conda", "mamba", "npm", "winget", "choco", "port",
                    "nix-env", "zypper", "apk", "poetry"]
AGENTS = ["claude", "claude-code", "codex", "gemini", "cursor-agent", "cursor", "opencode",
          "amp", "aider", "goose", "qwen", "crush", "droid", "copilot"]
# File names approvald gives its secrets wherever it keeps them.
OWN_FILES = ["approvald.sock", "operator.token", "client.token", "approvald.db",
             "approvald.db-wal", "approvald.db-shm"]
# What a written file naming approvald's secrets or operator routes looks like.
OWN_CONTENT = ["*operator.token*", "*client.token*", "*approvald.sock*", "*approvald.db*",
               "*/v1/approvals*", "*/v1/policy/reload*", "*/v1/secrets*", "*/v1/leases*",
               "*X-Approvald-*", "*APPROVALD_HOME*", "*disableAllHooks*"]
FILE_FINDERS = ["find", "locate", "plocate", "mlocate", "slocate", "fd", "fdfind", "bfs",
                "mdfind", "es", "where", "whereis", "ls"]
KEY_PRESSERS = ["xdotool", "ydotool", "wtype", "dotool", "xte", "xvkbd", "cliclick",
                "autokey-run", "nircmd"]
PYTHON = "python*"


def default_dirs(home: str) -> list[str]:
    """approvald's default directories on every platform, for a home directory."""
    return [
        f"{home}/.local/share/approvald", f"{home}/.config/approvald",
        f"{home}/.local/state/approvald", f"{home}/.cache/approvald",
        "/run/user/*/approvald", "/tmp/runtime-*/approvald", "/var/run/user/*/approvald",
        f"{home}/Library/Application Support/approvald", f"{home}/Library/Logs/approvald",
        f"{home}/Library/Caches/TemporaryItems/approvald", f"{home}/Library/Caches/approvald",
        f"{home}/AppData/Local/approvald", f"{home}/AppData/Roaming/approvald",
        f"{home}/AppData/Local/Temp/approvald",
    ]


def owned_globs(paths: Paths, home: str) -> list[str]:
    owned: list[str] = []
    roots = [d.rstrip("/\\") for d in paths.owned_dir_texts()] + default_dirs(home)
    for platform_dir in _platform_dirs():
        roots.append(platform_dir)
    for text in dict.fromkeys(roots):
        owned += [text, text + "/**"]
    owned.append(paths.config_file)
    return owned


def _platform_dirs() -> list[str]:
    try:
        from approvald.paths import platform_dir_texts
    except ImportError:  # pragma: no cover - the lead may move it
        return []
    try:
        return [text.rstrip("/\\") for text in platform_dir_texts().values()]
    except OSError:
        return []


def self_protection_rules(paths: Paths, home: str | None = None) -> list[dict[str, Any]]:
    home = (home or os.path.expanduser("~")).rstrip("/") or "/"
    owned = owned_globs(paths, home)
    operator = ["approvals", *OPERATOR_SUBCOMMANDS]
    settings_targets = AGENT_SETTINGS + AGENT_SETTINGS_DIRS
    return [
        {
            "id": "self.operator-commands",
            "decision": "DENY",
            "reason": "Approving, the dashboard, installing, credentials, daemon control and "
                      "accepting MCP tool definitions are the operator's acts; the agent may not "
                      "run them.",
            "match": {"any_of": [
                {"program": ["approvald", "approvald.*"], "args": [["approvals"],
                                                                   ["approve", "deny"]]},
                {"program": ["approvald", "approvald.*"], "args": [OPERATOR_SUBCOMMANDS]},
                {"program": ["approvald", "approvald.*"], "args": ["mcp", "pins", "accept"]},
                {"program": PYTHON, "args": ["-m", "approvald*", operator]},
                {"program": PYTHON, "args": ["-m", "approvald*", "mcp", "pins", "accept"]},
                {"finding": ["approvald-import"]},
            ]},
        },
        {
            "id": "self.stop-daemon",
            "decision": "DENY",
            "reason": "The agent may not stop, remove or replace the approvald daemon.",
            "match": {"any_of": [
                {"program": DAEMON_CONTROLLERS, "any_arg": ["*approvald*", "*APPROVALD*"]},
                {"program": PACKAGE_MANAGERS, "any_arg": ["*approvald*"]},
                {"program": ["rm", "mv", "cp", "ln", "chmod", "truncate", "tee", "dd", "install",
                             "unlink", "shred", "sponge"],
                 "any_arg": ["*$(*approvald*", "*`*approvald*"]},
                {"writes": ["**/approvald", "**/approvald.exe", "**/bin/approvald*",
                            "**/site-packages/approvald", "**/site-packages/approvald/**",
                            "**/pipx/venvs/approvald/**", "**/uv/tools/approvald/**"]},
            ]},
        },
        {
            "id": "self.state",
            "decision": "DENY",
            "reason": "approvald's socket, state and configuration are off limits to the agent.",
            "match": {"any_of": [
                {"path_arg": owned + OWN_FILES},
                {"path": owned + OWN_FILES},
                {"reads": owned + OWN_FILES},
                {"writes": owned + OWN_FILES},
                {"program": FILE_FINDERS, "any_arg": [f"*{name}*" for name in OWN_FILES]},
                {"any_arg": ["*$APPROVALD_HOME*", "*$[{]APPROVALD_HOME*"]},
                {"program": "printenv", "any_arg": ["APPROVALD_HOME"]},
                {"content": OWN_CONTENT},
            ]},
        },
        {
            "id": "self.agent-settings",
            "decision": "DENY",
            "reason": "Agent settings hold the approvald hook; the agent may not change them.",
            "match": {"any_of": [
                {"kind": "fs.write", "path": AGENT_SETTINGS},
                {"writes": settings_targets},
                {"program": CODE_WRITERS, "path_arg": AGENT_SETTINGS, "any_arg": _WRITE_CALLS},
            ]},
        },
        {
            "id": "self.agent-without-hooks",
            "decision": "DENY",
            "reason": "Starting another agent with its hooks off, another settings file or "
                      "another config directory escapes approvald.",
            "match": {"any_of": [
                {"program": AGENTS, "any_arg": ["--settings*", "--setting-sources*",
                                                "*disableAllHooks*", "--bare",
                                                "--dangerously-skip-permissions",
                                                "--allow-dangerously-skip-permissions",
                                                "--dangerously-bypass-approvals-and-sandbox",
                                                "--yolo", "--no-hooks"]},
                {"program": "codex", "any_arg": ["-c", "--config*", "--profile*", "-p",
                                                 "--full-auto"]},
                {"program": AGENTS, "option": {"names": ["--permission-mode", "--approval-mode",
                                                         "-a", "--ask-for-approval"],
                                               "value": ["bypass*", "yolo", "never"]}},
                {"program": AGENTS, "env": ["CLAUDE_CONFIG_DIR=*", "CODEX_HOME=*",
                                            "GEMINI_CLI_HOME=*", "GEMINI_CONFIG_DIR=*",
                                            "CURSOR_CONFIG_DIR=*", "XDG_CONFIG_HOME=*",
                                            "HOME=*"]},
            ]},
        },
        {
            "id": "self.dashboard-keys",
            "decision": "DENY",
            "reason": "Typing into terminals or windows could press the dashboard's keys; the "
                      "agent may not inject keystrokes.",
            "match": {"any_of": [
                {"program": "tmux", "any_arg": ["send-keys", "send", "send-prefix",
                                                "paste-buffer", "pasteb"]},
                {"program": "screen", "any_arg": ["stuff", "paste", "readbuf", "register"]},
                {"program": "zellij", "any_arg": ["write-chars", "write", "send-keys"]},
                {"program": ["kitty", "kitten", "kitty-remote"], "any_arg": [
                    "send-text", "send-key"]},
                {"program": "wezterm", "any_arg": ["send-text"]},
                {"program": KEY_PRESSERS},
                {"program": ["pwsh", "powershell"], "any_arg": ["*SendKeys*", "*SendWait*"]},
                {"writes": ["/dev/pts/*", "/dev/tty*", "/dev/console", "/dev/ttys*",
                            "/proc/*/fd/*"]},
                {"finding": ["tty-injection", "keystrokes"]},
            ]},
        },
    ]
