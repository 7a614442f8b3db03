"""The OS keyring through the `keyring` package: service `approvald`, user name = the secret's NAME.

macOS Keychain, Windows Credential Locker, the Secret Service (gnome-keyring, KWallet) on Linux.
A backend that cannot keep a secret safely is refused with a message that says what to install:
`keyring`'s fail and null backends, a chainer with nothing to chain, and the file backends of
`keyrings.alt` (plaintext or a console password prompt). There is never a plaintext fallback.

`keyring` is imported lazily: the CLI's fast paths never pay for it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from approvald.secrets import SERVICE, validate_name

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend


class KeyringUnavailable(Exception):
    """No usable OS keyring; the message says what to install or start."""


class KeyringFailure(Exception):
    """The keyring is there but the operation failed (locked, refused, D-Bus error)."""


def install_hint() -> str:
    if sys.platform == "darwin":
        return ("the macOS Keychain should always be available: run approvald in your login "
                "session (not over a bare ssh session without a keychain)")
    if sys.platform == "win32":
        return "the Windows Credential Locker should always be available: run as a normal user"
    return ("install a Secret Service provider and run inside a desktop (D-Bus) session with "
            "the keyring unlocked, e.g. `sudo apt-get install gnome-keyring dbus` (or KWallet); "
            "headless: `dbus-run-session -- sh -c 'echo PASSWORD | "
            "gnome-keyring-daemon --unlock --components=secrets; exec approvald daemon'`")


def _unusable_reason(backend: Any) -> str | None:
    """Why `backend` must not hold secrets, or None when it is a real keyring."""
    from keyring.backends import chainer, fail, null

    module = type(backend).__module__
    name = type(backend).__name__
    if isinstance(backend, fail.Keyring):
        return "no keyring backend is available"
    if isinstance(backend, null.Keyring):
        return "the keyring is disabled (null backend)"
    if module.startswith("keyrings.alt"):
        return f"the {module}.{name} backend keeps secrets in a file, which approvald refuses"
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        if not chained:
            return "no keyring backend is available"
        for inner in chained:
            reason = _unusable_reason(inner)
            if reason:
                return reason
    return None


def check_backend(backend: Any) -> None:
    reason = _unusable_reason(backend)
    if reason:
        raise KeyringUnavailable(f"no usable OS keyring: {reason}; {install_hint()}")


class SecretKeyring:
    """Typed access to approvald's entries in the OS keyring."""

    def __init__(self, backend: KeyringBackend | None = None):
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            try:
                import keyring
            except ImportError as exc:  # pragma: no cover - a dependency of approvald
                raise KeyringUnavailable(f"the `keyring` package is missing: {exc}") from exc
            self._backend = keyring.get_keyring()
        check_backend(self._backend)
        return self._backend

    def describe(self) -> str:
        backend = self.backend
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def set(self, name: str, value: str) -> None:
        validate_name(name)
        if not value:
            raise ValueError("refusing to store an empty secret")
        self._call("store", lambda b: b.set_password(SERVICE, name, value))
        # A backend that accepts the call but does not keep the value is as bad as none.
        if self.get(name) != value:
            raise KeyringFailure(f"the keyring did not keep {name!r} (read back differs)")

    def get(self, name: str) -> str | None:
        validate_name(name)
        value = self._call("read", lambda b: b.get_password(SERVICE, name))
        return value if isinstance(value, str) else None

    def delete(self, name: str) -> bool:
        """Remove `name`; False when it was not there."""
        validate_name(name)
        from keyring.errors import PasswordDeleteError

        if self.get(name) is None:
            return False
        try:
            self._call("delete", lambda b: b.delete_password(SERVICE, name))
        except KeyringFailure as exc:
            if isinstance(exc.__cause__, PasswordDeleteError):
                return False
            raise
        return True

    def _call(self, what: str, operation: Any) -> Any:
        backend = self.backend
        from keyring.errors import KeyringLocked

        try:
            return operation(backend)
        except KeyringLocked as exc:
            raise KeyringFailure(f"cannot {what} the secret: the keyring is locked "
                                 "(unlock it and retry)") from exc
        except (KeyringUnavailable, KeyringFailure, ValueError):
            raise
        except Exception as exc:  # D-Bus, Keychain and Credential Locker errors vary widely
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise KeyringFailure(f"cannot {what} the secret in the OS keyring: {detail}") from exc
