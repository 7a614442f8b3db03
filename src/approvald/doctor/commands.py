"""Hook commands as written in agent configs: split them, recognise approvald, resolve them.

Config files written on Windows carry paths like `C:\\Users\\dev\\...\\approvald.exe`, so the
splitter keeps backslashes literal (a POSIX `shlex` split would eat them) and only treats
quotes as grouping.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from approvald.install import is_hook_entry

_EXE_SUFFIXES = (".exe", ".cmd", ".bat", ".ps1", ".com")
_PYTHONS = re.compile(r"^(python(\d+(\.\d+)?)?|pythonw|py)$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WINDOWS_ABS = re.compile(r"^([A-Za-z]:[\\/]|\\\\)")


def split_command(command: str) -> list[str]:
    """Whitespace-separated words; "..." and '...' group; backslashes stay literal except
    `\\"` inside double quotes."""
    words: list[str] = []
    current: list[str] = []
    have_word = False
    quote = ""
    i = 0
    while i < len(command):
        ch = command[i]
        if quote:
            if ch == "\\" and quote == '"' and command[i + 1 : i + 2] == '"':
                current.append('"')
                i += 2
                continue
            if ch == quote:
                quote = ""
            else:
                current.append(ch)
        elif ch in "\"'":
            quote = ch
            have_word = True
        elif ch.isspace():
            if have_word or current:
                words.append("".join(current))
                current, have_word = [], False
        else:
            current.append(ch)
        i += 1
    if have_word or current:
        words.append("".join(current))
    return words


def program_name(word: str) -> str:
    """`C:\\x\\approvald.exe` -> `approvald`; `/usr/bin/python3` -> `python3`."""
    base = re.split(r"[\\/]", word)[-1].lower()
    for suffix in _EXE_SUFFIXES:
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


@dataclass(frozen=True)
class ApprovaldCommand:
    """A command that runs `approvald hook AGENT`."""

    program: str  # the word to resolve (approvald itself, or the python running `-m approvald`)
    agent: str  # the hook's agent argument ("" when missing)
    words: tuple[str, ...]
    event: str = ""  # `hook AGENT EVENT`: an event besides the pre-tool decision ("" for it)
    script: str = ""  # the fast entry's script the python runs (approvald/hook/entry.py)


def parse_approvald_hook(command: str, args: list[str] | None = None) -> ApprovaldCommand | None:
    """Recognise `approvald hook AGENT` however it is spelled (absolute path, `.exe`,
    `python -m approvald`, `uvx approvald`, `env X=1 approvald`); None for anything else."""
    words = [command, *args] if args else split_command(command)
    i = 0
    while i < len(words) and (_ASSIGNMENT.match(words[i]) or program_name(words[i]) == "env"):
        i += 1
    if i >= len(words):
        return None
    program = words[i]
    name = program_name(program)
    rest: list[str]
    script = ""
    options = i + 1
    while options < len(words) and words[options].startswith("-") and words[options] != "-m":
        options += 1
    if name == "approvald":
        rest = words[i + 1 :]
    elif _PYTHONS.match(name) and words[i + 1 : i + 3] == ["-m", "approvald"]:
        rest = words[i + 3 :]
    elif _PYTHONS.match(name) and options < len(words) and is_hook_entry(words[options]):
        script = words[options]
        rest = words[options + 1 :]
    elif name in ("uvx", "pipx") and "approvald" in words[i + 1 : i + 4]:
        rest = words[words.index("approvald", i + 1) + 1 :]
    else:
        return None
    if not rest or rest[0] != "hook":
        return None
    agent = rest[1] if len(rest) > 1 else ""
    event = rest[2] if len(rest) > 2 and rest[2].isalpha() else ""
    return ApprovaldCommand(program=program, agent=agent, words=tuple(words), event=event,
                            script=script)


def is_windows_path(word: str) -> bool:
    return bool(_WINDOWS_ABS.match(word))


def _expand(word: str, home: Path, project: Path | None) -> tuple[str, str]:
    """Expand ~, $HOME, %USERPROFILE%, $CLAUDE_PROJECT_DIR...; (expanded, problem)."""
    replacements = {"HOME": str(home), "USERPROFILE": str(home)}
    if project is not None:
        for var in ("CLAUDE_PROJECT_DIR", "GEMINI_PROJECT_DIR", "CURSOR_PROJECT_DIR"):
            replacements[var] = str(project)
    problem = ""

    def sub(match: re.Match[str]) -> str:
        nonlocal problem
        var = match.group(1) or match.group(2) or match.group(3)
        if var in replacements:
            return replacements[var]
        value = os.environ.get(var)
        if value is None:
            problem = f"it depends on ${var}, which is not set here"
            return match.group(0)
        return value

    if word == "~" or word.startswith(("~/", "~\\")):
        word = str(home) + word[1:]
    expanded = re.sub(r"\$\{(\w+)\}|\$(\w+)|%(\w+)%", sub, word)
    return expanded, problem


def resolve_program(
    program: str,
    *,
    home: Path,
    project: Path | None,
    env_path: str | None = None,
    platform: str = sys.platform,
) -> tuple[str | None, str]:
    """Where `program` resolves to, or (None, why it does not)."""
    expanded, problem = _expand(program, home, project)
    if problem:
        return None, problem
    if is_windows_path(expanded):
        if platform != "win32":
            return None, (
                f"{expanded} is a Windows path, and this machine ({platform}) cannot run it"
            )
        candidate = Path(str(PureWindowsPath(expanded)))
    elif "/" in expanded or (platform == "win32" and "\\" in expanded):
        candidate = Path(expanded)
        if not candidate.is_absolute():
            base = project if project is not None else Path.cwd()
            candidate = base / candidate
    else:
        found = shutil.which(expanded, path=env_path)
        if found is None:
            return None, f"`{expanded}` is not on PATH"
        return found, ""
    if platform == "win32" and not candidate.suffix:
        for ext in os.environ.get("PATHEXT", ".EXE;.CMD;.BAT").split(";"):
            if ext and candidate.with_name(candidate.name + ext.lower()).is_file():
                return str(candidate.with_name(candidate.name + ext.lower())), ""
    if not candidate.exists():
        return None, f"{candidate} does not exist"
    if candidate.is_dir():
        return None, f"{candidate} is a directory"
    if platform != "win32" and not os.access(candidate, os.X_OK):
        return None, f"{candidate} is not executable"
    return str(candidate), ""


def resolve_script(
    script: str, *, home: Path, project: Path | None, platform: str = sys.platform
) -> tuple[str | None, str]:
    """Where a script an interpreter runs resolves to, or (None, why it does not)."""
    expanded, problem = _expand(script, home, project)
    if problem:
        return None, problem
    if is_windows_path(expanded) and platform != "win32":
        return None, f"{expanded} is a Windows path, and this machine ({platform}) cannot run it"
    candidate = Path(expanded)
    if not candidate.is_absolute():
        candidate = (project if project is not None else Path.cwd()) / candidate
    if not candidate.is_file():
        return None, f"{candidate} does not exist"
    return str(candidate), ""


def display_path(word: str) -> str:
    """A path as the user wrote it, for messages (never mangled by PurePosixPath)."""
    return str(PureWindowsPath(word)) if is_windows_path(word) else str(PurePosixPath(word))


def matcher_covers(matcher: object, tool: str) -> bool:
    """Claude Code / Codex / Gemini matcher semantics: empty, missing or `*` match every tool;
    a plain list of names (`Bash|Write`, `Edit, Write`) matches exactly; anything else is a
    regular expression searched in the tool name."""
    if matcher is None:
        return True
    if not isinstance(matcher, str):
        return False
    text = matcher.strip()
    if text in ("", "*", ".*"):
        return True
    if re.fullmatch(r"[A-Za-z0-9_\-, |]+", text):
        return tool in {name.strip() for name in re.split(r"[|,]", text)}
    try:
        return re.search(text, tool) is not None
    except re.error:
        return False
