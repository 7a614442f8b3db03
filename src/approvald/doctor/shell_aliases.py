"""Shell aliases and functions that start an agent with its permission checks off
(`alias cc='claude --dangerously-skip-permissions'`, `gemini --yolo`, `codex
--dangerously-bypass-approvals-and-sandbox`, ...): typed every day, they make bypass mode the
default without a line in any agent's settings.

Reads the user's shell start-up files line by line (bash, zsh, fish, and the usual alias files);
a line counts when it names an agent and a bypass flag and is not a comment.
"""

from __future__ import annotations

import re
from pathlib import Path

from approvald.doctor.context import ScanContext
from approvald.doctor.findings import HIGH, Finding, finding_id

AGENT = "shell"
STARTUP_FILES = (".bashrc", ".bash_profile", ".bash_login", ".bash_aliases", ".profile",
                 ".zshrc", ".zprofile", ".zshenv", ".zsh_aliases", ".aliases",
                 ".config/fish/config.fish")
FISH_FUNCTIONS = ".config/fish/functions"
MAX_BYTES = 1_000_000

_AGENTS = r"claude|codex|gemini|cursor-agent|copilot|opencode|amp|qwen"
_AGENT = re.compile(rf"(?<![\w./-])(?:\S*/)?({_AGENTS})(?![\w.-])")
# (flag, what it turns off)
_BYPASS = (
    (r"--dangerously-skip-permissions|--allow-dangerously-skip-permissions",
     "every permission prompt (bypass mode)"),
    (r"--permission-mode[= ]+['\"]?bypassPermissions", "every permission prompt (bypass mode)"),
    (r"--dangerously-bypass-approvals-and-sandbox", "approvals and the sandbox"),
    (r"--yolo|--approval-mode[= ]+['\"]?yolo", "every confirmation (yolo mode)"),
    (r"(?:-a|--ask-for-approval)[= ]+['\"]?never", "every approval"),
    (r"--allow-all-tools|--allow-all-paths", "the tool confirmations"),
)
_FLAGS = tuple((re.compile(rf"(?<![\w-])(?:{flag})"), what) for flag, what in _BYPASS)


def config_files(ctx: ScanContext) -> list[Path]:
    files = [ctx.home / name for name in STARTUP_FILES]
    functions = ctx.home / FISH_FUNCTIONS
    try:
        files += sorted(functions.glob("*.fish"))
    except OSError:
        pass
    return files


def scan(ctx: ScanContext, findings: list[Finding]) -> None:
    for path in config_files(ctx):
        try:
            if not path.is_file() or path.stat().st_size > MAX_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            finding = _finding(path, number, line)
            if finding is not None:
                findings.append(finding)


def _finding(path: Path, number: int, line: str) -> Finding | None:
    code = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
    agent = _AGENT.search(code)
    if agent is None:
        return None
    for flag, what in _FLAGS:
        found = flag.search(code)
        if found is None:
            continue
        name = agent.group(1)
        return Finding(
            severity=HIGH,
            agent=AGENT,
            file=str(path),
            line=number,
            title=f"A shell alias starts {name} with {found.group(0).split('=')[0].split()[0]}",
            detail=(f"Line {number} of {path} runs {name} with {what} switched off: started that "
                    "way, nothing but the approvald hook stands before each action, and a "
                    "hook that fails or times out lets it through."),
            fix=(f"Remove {found.group(0)!r} from line {number} of {path} (or the alias), and "
                 "open a new shell."),
            id=finding_id(AGENT, "bypass-alias", str(path), str(number)),
        )
    return None
