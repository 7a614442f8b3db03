"""Adding approvald's hook to an agent's settings file, and taking it out again.

What every agent's installer shares: reading a JSON settings file without ever losing it (a
file that is not valid JSON is left untouched and named in the error), a timestamped backup
before a change, an atomic write that keeps the file's mode (and writes through a symlink, so a
dotfiles manager's link survives), and the command line that runs the installed `approvald`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from approvald.wire import jsontext

BACKUP_INFIX = ".approvald-backup-"


class InstallError(Exception):
    """The settings file cannot be changed safely (says which file and why); nothing written."""


def read_settings(path: Path) -> tuple[dict[str, Any], str | None]:
    """(settings, original text); ({}, None) when the file does not exist. A file holding only
    whitespace counts as empty settings."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstallError(f"cannot read {path}: {exc}; nothing was written") from exc
    if not text.strip():
        return {}, text
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstallError(f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg}); nothing was written") from exc
    if not isinstance(data, dict):
        raise InstallError(f"{path} does not hold a JSON object; nothing was written")
    try:  # valid JSON, but no text to write back: the agent's file stays as it is
        jsontext.check_text(data)
    except jsontext.JsonTextError as exc:
        raise InstallError(f"{path} {exc}; nothing was written") from None
    return data, text


def _indent_of(text: str | None) -> str | int:
    """The indentation the file already uses (two spaces for a new file)."""
    match = re.search(r"^\{\s*?\n([ \t]+)\S", text or "")
    if not match:
        return 2
    indent = match.group(1)
    return indent if "\t" in indent else len(indent)


def render_settings(data: dict[str, Any], original: str | None = None) -> str:
    return json.dumps(data, indent=_indent_of(original), ensure_ascii=False) + "\n"


def backup(path: Path) -> Path:
    """Copy `path` to `<name>.approvald-backup-<UTC timestamp>` beside it (never overwriting)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}{BACKUP_INFIX}{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}{BACKUP_INFIX}{stamp}-{counter}")
        counter += 1
    try:
        shutil.copy2(path, target)
    except OSError as exc:
        raise InstallError(f"cannot back up {path} to {target}: {exc}; "
                           "nothing was written") from exc
    return target


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a reader sees the old file or the new one."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = _default_mode()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise InstallError(f"cannot write {path}: {exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise InstallError(f"cannot write {path}: {exc}") from exc
        raise


# The hook's fast entry (approvald.hook.entry), under the package root.
HOOK_ENTRY = ("approvald", "hook", "entry.py")
_PYTHON = re.compile(r"^(python(\d+(\.\d+)?)?|pythonw|py)(\.exe)?$", re.IGNORECASE)


def is_hook_entry(word: str) -> bool:
    """Whether `word` is a path to the hook's fast entry (`.../approvald/hook/entry.py`)."""
    return tuple(re.split(r"[\\/]", word)[-3:]) == HOOK_ENTRY


def is_python(word: str) -> bool:
    """Whether `word` names a Python interpreter (`/usr/bin/python3.12`, `python.exe`, `py`)."""
    return bool(_PYTHON.match(re.split(r"[\\/]", word)[-1]))


def lasting_path(path: str) -> str:
    """`path` through a link its package manager keeps across upgrades, where there is one:
    Homebrew replaces `<prefix>/Cellar/<formula>/<version>/...` on every upgrade, and keeps
    `<prefix>/opt/<formula>` pointing at the current version. Anything else as it is."""
    parts = path.split(os.sep)
    if "Cellar" not in parts:
        return path
    at = len(parts) - 1 - parts[::-1].index("Cellar")
    if len(parts) < at + 4:
        return path
    prefix, formula = os.sep.join(parts[:at]), parts[at + 1]
    opt = os.path.join(prefix, "opt", formula)
    keg = os.path.join(prefix, "Cellar", formula, parts[at + 2])
    if not os.path.islink(opt) or os.path.realpath(opt) != os.path.realpath(keg):
        return path
    through = os.path.join(opt, *parts[at + 3:])
    return through if os.path.exists(through) else path


def hook_entry_argv() -> list[str] | None:
    """`[<python>, -I, -S, <.../approvald/hook/entry.py>]`: how to start the hook's fast entry
    with this installation's interpreter (not resolved: a venv's own `python` is what finds
    its packages), through paths that survive upgrades. None in a frozen build, whose
    executable is its own entry, or when the entry is missing."""
    if getattr(sys, "frozen", False) or not sys.executable:
        return None
    import approvald

    entry = os.path.join(os.path.dirname(os.path.abspath(approvald.__file__)), *HOOK_ENTRY[1:])
    if not os.path.isfile(entry):
        return None
    return [lasting_path(os.path.abspath(sys.executable)), "-I", "-S", lasting_path(entry)]


def hook_entry_command() -> str | None:
    """`hook_entry_argv` as a shell runs it (quoted where needed)."""
    argv = hook_entry_argv()
    return " ".join(shlex.quote(word) for word in argv) if argv else None


def _looks_like_approvald(path: str) -> bool:
    name = os.path.basename(path).lower()
    return name in ("approvald", "approvald.exe")


def approvald_argv() -> list[str]:
    """How to run this approvald, as argv: the absolute path of its executable (abspath, not
    realpath: a pipx/Homebrew link keeps working across upgrades), else `python -m approvald`
    when no console script is installed."""
    argv0 = sys.argv[0] if sys.argv else ""
    candidates = [argv0] if argv0 and _looks_like_approvald(argv0) else []
    candidates += [shutil.which("approvald", path=os.path.dirname(sys.executable)) or "",
                   shutil.which("approvald") or ""]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            return [os.path.abspath(candidate)]
    return [sys.executable, "-m", "approvald"]


def approvald_command() -> str:
    """How a shell runs this approvald (`approvald_argv`, quoted where needed)."""
    return " ".join(shlex.quote(word) for word in approvald_argv())
