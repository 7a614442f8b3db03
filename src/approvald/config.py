"""`config.toml`: the few settings a user may change.

Standard library only (the hook reads it on its slow paths). Every key is optional::

    approval_timeout_s = 300   # a pending approval is denied after this many seconds
    hook_timeout_s = 330       # the timeout `install` writes on the Claude Code hook entry
    no_daemon = "ask"          # REQUIRE_APPROVAL with no daemon: "ask" (Claude Code asks) or "deny"

The approval wait must end before Claude Code kills the hook, so the approval timeout is kept
below the hook timeout (with a margin for the hook's own fallback).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_APPROVAL_TIMEOUT_S = 300
HOOK_TIMEOUT_S = 330
DEFAULT_NO_DAEMON = "ask"
NO_DAEMON_CHOICES = ("ask", "deny")
# Env override of approval_timeout_s (tests, demos).
APPROVAL_TIMEOUT_ENV = "APPROVALD_APPROVAL_TIMEOUT"
# Seconds the hook keeps for itself after the approval wait: fallback evaluation and printing.
HOOK_MARGIN_S = 10


class ConfigError(ValueError):
    """config.toml is unreadable or holds a wrong value (names the key)."""


@dataclass(frozen=True)
class Config:
    approval_timeout_s: int = DEFAULT_APPROVAL_TIMEOUT_S
    hook_timeout_s: int = HOOK_TIMEOUT_S
    no_daemon: str = DEFAULT_NO_DAEMON
    source: str = ""  # the file read, if any
    problems: tuple[str, ...] = ()  # what was wrong and ignored

    @property
    def hook_socket_timeout_s(self) -> float:
        """How long the hook waits on the daemon: past the approval timeout, within Claude
        Code's hook timeout."""
        return float(max(5, min(self.approval_timeout_s + 5,
                                self.hook_timeout_s - HOOK_MARGIN_S)))


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _positive_int(doc: dict[str, Any], key: str, default: int, problems: list[str]) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        problems.append(f"{key} must be a positive integer (got {value!r}); using {default}")
        return default
    return value


def load_config(path: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read config.toml (missing file: defaults). A bad value is reported and replaced by its
    default rather than stopping the daemon or the hook; unreadable TOML raises ConfigError."""
    env = os.environ if environ is None else environ
    if path is None:
        from approvald.paths import get_paths

        path = get_paths(dict(env)).config
    doc = _read_toml(path)
    problems: list[str] = []
    approval = _positive_int(doc, "approval_timeout_s", DEFAULT_APPROVAL_TIMEOUT_S, problems)
    hook = _positive_int(doc, "hook_timeout_s", HOOK_TIMEOUT_S, problems)
    no_daemon = doc.get("no_daemon", DEFAULT_NO_DAEMON)
    if no_daemon not in NO_DAEMON_CHOICES:
        problems.append(f"no_daemon must be one of {', '.join(NO_DAEMON_CHOICES)} "
                        f"(got {no_daemon!r}); using {DEFAULT_NO_DAEMON}")
        no_daemon = DEFAULT_NO_DAEMON
    override = env.get(APPROVAL_TIMEOUT_ENV, "").strip()
    if override:
        try:
            approval = max(1, int(float(override)))
        except ValueError:
            problems.append(f"{APPROVAL_TIMEOUT_ENV}={override!r} is not a number; ignored")
    if approval > hook - HOOK_MARGIN_S:
        capped = max(1, hook - HOOK_MARGIN_S)
        problems.append(f"approval_timeout_s {approval} must stay {HOOK_MARGIN_S} s below "
                        f"hook_timeout_s {hook}; using {capped}")
        approval = capped
    return Config(approval_timeout_s=approval, hook_timeout_s=hook, no_daemon=no_daemon,
                  source=str(path) if doc else "", problems=tuple(problems))


def safe_load_config(path: Path | None = None) -> Config:
    """load_config that never raises: an unreadable file gives the defaults (and says so)."""
    try:
        return load_config(path)
    except ConfigError as exc:
        return Config(problems=(str(exc),))
