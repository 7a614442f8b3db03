"""Where approvald keeps its state.

`APPROVALD_HOME` puts everything under one directory (tests, demos, a second daemon). Unset, the
platform's directories are used (`approvald.userdirs`, the way platformdirs computes them).
The hook's daemon path does not import this module; it computes the one path it needs, the
endpoint, in `approvald.wire.endpoint` from the same pieces. Its local check (no daemon) reads
the paths as text: pathlib is imported only where a Path is asked for.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from approvald.model.pathtext import normalized, parent
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

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from pathlib import Path
    from typing import TypeVar

    _Dir = TypeVar("_Dir", str, Path)

__all__ = ["APP", "HOME_ENV", "MAX_SOCKET_PATH", "Paths", "ensure_private_dir",
           "get_paths", "platform_dirs"]

# Longest path a Unix socket accepts on Linux is 108 bytes, on macOS 104.
MAX_SOCKET_PATH = 100


class Paths(Frozen):
    """approvald's directories and files. Held as text, which is what the hook's local check
    reads (it does not import pathlib: ~4 ms on every tool call); `home`, `config` and the
    others are the same as Paths, for everyone else."""

    home_dir: str
    config_file: str  # config.toml
    policies_dir: str  # the user's policy directory (*.yaml)
    state_dir: str  # directory: approvals database, daemon lock
    audit_dir: str  # directory: the hash-chained audit log and its rotations
    runtime_dir: str  # directory holding the socket (0700)
    log_dir: str  # directory: daemon log
    # `tcp` or `unix` (approvald.settings.selected_transport); empty: decided on use.
    transport: str
    # The organisation's policy directory (APPROVALD_MANAGED_POLICIES or `managed_policies` in
    # config.toml), None when no managed layer is set.
    managed_dir: str | None

    UNCOMPARED = ('transport', 'managed_dir',)

    def __init__(self, home_dir: str, config_file: str, policies_dir: str, state_dir: str,
                 audit_dir: str, runtime_dir: str, log_dir: str, transport: str = '',
                 managed_dir: str | None = None) -> None:
        self.__dict__.update(home_dir=home_dir, config_file=config_file,
                             policies_dir=policies_dir, state_dir=state_dir, audit_dir=audit_dir,
                             runtime_dir=runtime_dir, log_dir=log_dir, transport=transport,
                             managed_dir=managed_dir)

    @property
    def home(self) -> Path:
        return _path(self.home_dir)

    @property
    def config(self) -> Path:
        return _path(self.config_file)

    @property
    def policies(self) -> Path:
        return _path(self.policies_dir)

    @property
    def state(self) -> Path:
        return _path(self.state_dir)

    @property
    def audit(self) -> Path:
        return _path(self.audit_dir)

    @property
    def runtime(self) -> Path:
        return _path(self.runtime_dir)

    @property
    def log(self) -> Path:
        return _path(self.log_dir)

    @property
    def managed_policies(self) -> Path | None:
        return None if self.managed_dir is None else _path(self.managed_dir)

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
            "home": self.home_dir,
            "config": self.config_file,
            "policies": self.policies_dir,
            "state": self.state_dir,
            "audit": self.audit_dir,
            "socket": self.socket,
            "log": self.log_dir,
            **({"managed_policies": self.managed_dir} if self.managed_dir is not None else {}),
        }

    def owned_dir_texts(self) -> list[str]:
        """Every directory approvald owns, as text; self-protection denies the agent all of
        them."""
        seen: list[str] = []
        for text in (self.home_dir, parent(self.config_file), self.policies_dir,
                     self.state_dir, self.audit_dir, self.runtime_dir, self.log_dir,
                     self.managed_dir):
            if text is not None and text not in seen:
                seen.append(text)
        return seen

    def owned_dirs(self) -> list[Path]:
        """`owned_dir_texts` as Paths."""
        return [_path(text) for text in self.owned_dir_texts()]


def _path(text: str) -> Path:
    from pathlib import Path  # here: the hook's local check reads the text fields only

    return Path(text)


def platform_dirs() -> dict[str, Path]:
    """The user directories platformdirs would give for `approvald` on this platform."""
    return {kind: _path(text) for kind, text in platform_dir_texts().items()}


def platform_dir_texts() -> dict[str, str]:
    """`platform_dirs` as text."""
    return {kind: normalized(path) for kind, path in _platform_dirs().items()}


def get_paths(environ: Mapping[str, str] | None = None) -> Paths:
    env = os.environ if environ is None else environ
    transport = selected_transport(env)
    home_value = env_home(env)
    if home_value:
        home = _resolved(home_value)
        return Paths(
            home_dir=home,
            config_file=os.path.join(home, "config.toml"),
            managed_dir=_managed(env, os.path.join(home, "config.toml")),
            policies_dir=os.path.join(home, "policies"),
            state_dir=os.path.join(home, "state"),
            audit_dir=os.path.join(home, "audit"),
            runtime_dir=os.path.join(home, "run"),
            log_dir=os.path.join(home, "log"),
            transport=transport,
        )
    dirs = platform_dir_texts()
    return Paths(
        home_dir=dirs["data"],
        config_file=os.path.join(dirs["config"], "config.toml"),
        managed_dir=_managed(env, os.path.join(dirs["config"], "config.toml")),
        policies_dir=os.path.join(dirs["config"], "policies"),
        state_dir=dirs["state"],
        audit_dir=os.path.join(dirs["state"], "audit"),
        runtime_dir=dirs["runtime"],
        log_dir=dirs["log"],
        transport=transport,
    )


def _resolved(text: str) -> str:
    """`str(Path(text).expanduser().resolve())`."""
    if os.name == "nt":
        return str(_path(text).expanduser().resolve())
    return normalized(os.path.realpath(os.path.expanduser(text)))


def _managed(env: Mapping[str, str], config: str) -> str | None:
    """The managed policy directory: the environment's, else config.toml's (read only when the
    environment names none)."""
    if env.get(MANAGED_ENV, "").strip():
        return normalized(os.path.abspath(os.path.expanduser(env[MANAGED_ENV].strip())))
    directory = safe_load_settings(config, env).managed_policies
    return normalized(directory) if directory else None


def ensure_private_dir(path: _Dir) -> _Dir:
    """Create `path` (and parents) and make it 0700: the socket and state live here."""
    os.makedirs(path, exist_ok=True)
    if sys.platform != "win32":
        os.chmod(path, 0o700)
    return path
