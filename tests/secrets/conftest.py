"""Fixtures for the credential tests: an in-memory keyring and a real Secret Service."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend

from tests.support.keyring import MemoryKeyring, secret_service_env

__all__ = ["secret_service_env"]  # a fixture: pytest finds it here


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The process-wide keyring is an in-memory one for the test's duration."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def real_keyring(secret_service_env: dict[str, str],
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[KeyringBackend]:
    """The real Secret Service backend, in this process."""
    import keyring.backends.SecretService as secret_service

    for key, value in secret_service_env.items():
        monkeypatch.setenv(key, value)
    yield secret_service.Keyring()
