"""Where approvald keeps its state.

`APPROVALD_HOME` puts everything under one directory (tests, demos, a second daemon). Unset, the
platform's directories are used (`approvald.userdirs`, the way platformdirs computes them).
The hook does not import this module (pathlib and dataclasses cost it time); it computes the one
path it needs, the endpoint, in `approvald.wire.endpoint` from the same pieces.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from approvald.model.plain import Frozen
from approvald.settings import (
    HOME_ENV,
    MANAGED_ENV,
    NO_TCP_ENDPOINT,
    TCP,
    env_home,
    safe_load_settings,
    selected_transport,
)
from approvald.userdirs import APP
from approvald.userdirs import platform_dirs as _platform_dirs

__all__ = ["APP", "HOME_ENV", "MAX_SOCKET_PATH", "Paths", "ensure_private_dir",
           "get_paths", "platform_dirs"]

# Longest path a Unix socket accepts on Linux is 108 bytes, on macOS 104.
MAX_SOCKET_PATH = 100


class Paths(Frozen):
    home: Path
    config: Path  # config.toml
    policies: Path  # the user's policy directory (*.yaml)
    state: Path  # directory: approvals database, daemon lock
    audit: Path  # directory: the hash-chained audit log and its rotations
    runtime: Path  # directory holding the socket (0700)
    log: Path  # directory: daemon log
    # `tcp` or `unix` (approvald.settings.selected_transport); empty: decided on use.
    transport: str
    # The organisation's policy directory (APPROVALD_MANAGED_POLICIES or `managed_policies` in
    # config.toml), None when no managed layer is set.
    managed_policies: Path | None

    UNCOMPARED = ('transport', 'managed_policies',)

    def __init__(self, home: Path, config: Path, policies: Path, state: Path, audit: Path,
                 runtime: Path, log: Path, transport: str = '',
                 managed_policies: Path | None = None) -> None:
        self.__dict__.update(home=home, config=config, policies=policies, state=state,
                             audit=audit, runtime=runtime, log=log, transport=transport,
                             managed_policies=managed_policies)

    @property
    def database(self) -> Path:
        return self.state / "approvald.db"

    @property
    def audit_file(self) -> Path:
        return self.audit / "audit.jsonl"

    @property
    def lock(self) -> Path:
        return self.state / "daemon.lock"

    @property
    def token_file(self) -> Path:
        """The operator's credential for deciding approvals (0600)."""
        return self.state / "operator.token"

    @property
    def client_token_file(self) -> Path:
        """Over TCP, every client's credential (0600, new at each daemon start)."""
        return self.state / "client.token"

    @property
    def endpoint_file(self) -> Path:
        """Written by a TCP daemon: `tcp://127.0.0.1:PORT` (0600, removed when it stops)."""
        return self.runtime / "endpoint"

    @property
    def uses_tcp(self) -> bool:
        return (self.transport or selected_transport()) == TCP

    @property
    def unix_socket(self) -> Path:
        return self.runtime / "approvald.sock"

    @property
    def log_file(self) -> Path:
        return self.log / "daemon.log"

    @property
    def socket(self) -> str:
        """The endpoint the hook dials: a Unix socket path or `tcp://127.0.0.1:PORT`."""
        if self.uses_tcp:
            try:
                return self.endpoint_file.read_text(encoding="utf-8").strip() or NO_TCP_ENDPOINT
            except OSError:
                return NO_TCP_ENDPOINT
        return str(self.unix_socket)

    def as_json(self) -> dict[str, str]:
        return {
            "home": str(self.home),
            "config": str(self.config),
            "policies": str(self.policies),
            "state": str(self.state),
            "audit": str(self.audit),
            "socket": self.socket,
            "log": str(self.log),
            **({"managed_policies": str(self.managed_policies)}
               if self.managed_policies is not None else {}),
        }

    def owned_dirs(self) -> list[Path]:
        """Every directory approvald owns; self-protection denies the agent all of them."""
        seen: list[Path] = []
        for p in (self.home, self.config.parent, self.policies, self.state, self.audit,
                  self.runtime, self.log, self.managed_policies):
            if p is None:
                continue
            if p not in seen:
                seen.append(p)
        return seen


def platform_dirs() -> dict[str, Path]:
    """The user directories platformdirs would give for `approvald` on this platform."""
    return {kind: Path(path) for kind, path in _platform_dirs().items()}


def get_paths(environ: Mapping[str, str] | None = None) -> Paths:
    env = os.environ if environ is None else environ
    transport = selected_transport(env)
    home_value = env_home(env)
    if home_value:
        home = Path(home_value).expanduser().resolve()
        return Paths(
            home=home,
            config=home / "config.toml",
            managed_policies=_managed(env, home / "config.toml"),
            policies=home / "policies",
            state=home / "state",
            audit=home / "audit",
            runtime=home / "run",
            log=home / "log",
            transport=transport,
        )
    dirs = platform_dirs()
    return Paths(
        home=dirs["data"],
        config=dirs["config"] / "config.toml",
        managed_policies=_managed(env, dirs["config"] / "config.toml"),
        policies=dirs["config"] / "policies",
        state=dirs["state"],
        audit=dirs["state"] / "audit",
        runtime=dirs["runtime"],
        log=dirs["log"],
        transport=transport,
    )


def _managed(env: Mapping[str, str], config: Path) -> Path | None:
    """The managed policy directory: the environment's, else config.toml's (read only when the
    environment names none)."""
    if env.get(MANAGED_ENV, "").strip():
        return Path(os.path.abspath(os.path.expanduser(env[MANAGED_ENV].strip())))
    directory = safe_load_settings(config, env).managed_policies
    return Path(directory) if directory else None


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it 0700: the socket and state live here."""
    path.mkdir(parents=True, exist_ok=True)
    if sys.platform != "win32":
        os.chmod(path, 0o700)
    return path
