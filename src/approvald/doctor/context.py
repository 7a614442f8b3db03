"""Where doctor looks: the user's home, the project, and the machine-wide config roots
(injectable, so tests never depend on what /etc holds)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path


def _default_claude_managed() -> list[Path]:
    if sys.platform == "darwin":
        return [Path("/Library/Application Support/ClaudeCode")]
    if sys.platform == "win32":
        return [Path(r"C:\ProgramData\ClaudeCode")]
    return [Path("/etc/claude-code")]


def _default_gemini_system() -> list[Path]:
    override = [
        Path(v)
        for v in (
            os.environ.get("GEMINI_CLI_SYSTEM_DEFAULTS_PATH", ""),
            os.environ.get("GEMINI_CLI_SYSTEM_SETTINGS_PATH", ""),
        )
        if v
    ]
    if sys.platform == "darwin":
        base = Path("/Library/Application Support/GeminiCli")
    elif sys.platform == "win32":
        base = Path(r"C:\ProgramData\gemini-cli")
    else:
        base = Path("/etc/gemini-cli")
    return override or [base / "system-defaults.json", base / "settings.json"]


@dataclass(frozen=True)
class SystemRoots:
    """Machine-wide (admin) config locations."""

    claude_managed_dirs: list[Path] = field(default_factory=_default_claude_managed)
    gemini_system_files: list[Path] = field(default_factory=_default_gemini_system)

    @classmethod
    def none(cls) -> SystemRoots:
        """No machine-wide configs at all (tests)."""
        return cls(claude_managed_dirs=[], gemini_system_files=[])


@dataclass(frozen=True)
class ScanContext:
    home: Path
    project: Path | None
    roots: SystemRoots
    env_path: str | None = None  # PATH used to resolve hook commands (None: this process's)
    claude_config_dir: Path | None = None  # $CLAUDE_CONFIG_DIR when the user set it

    @property
    def claude_user_dir(self) -> Path:
        return self.claude_config_dir or self.home / ".claude"

    @property
    def claude_json(self) -> Path:
        """~/.claude.json (inside $CLAUDE_CONFIG_DIR when that is set)."""
        if self.claude_config_dir is not None:
            return self.claude_config_dir / ".claude.json"
        return self.home / ".claude.json"

    def agent_dirs(self, name: str) -> list[Path]:
        """The agent's folder in the home directory, then the project's (when it is another)."""
        dirs = [self.home / name]
        if self.project is not None and self.project / name not in dirs:
            dirs.append(self.project / name)
        return dirs
