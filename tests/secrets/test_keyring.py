"""The keyring wrapper: refuses unusable backends, stores under service `approvald`."""

from __future__ import annotations

import uuid

import keyring
import pytest
from keyring.backends import chainer, fail, null

from approvald.secrets import SecretNameError
from approvald.secrets.keyring import KeyringFailure, KeyringUnavailable, SecretKeyring
from tests.support.keyring import MemoryKeyring


def test_set_get_delete_in_memory(memory_keyring: MemoryKeyring) -> None:
    store = SecretKeyring()
    store.set("GITHUB_TOKEN", "ghp_value")
    assert memory_keyring.entries == {("approvald", "GITHUB_TOKEN"): "ghp_value"}
    assert store.get("GITHUB_TOKEN") == "ghp_value"
    assert store.get("OTHER") is None
    assert store.delete("GITHUB_TOKEN") is True
    assert store.delete("GITHUB_TOKEN") is False
    assert memory_keyring.entries == {}


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_unusable_backends_are_refused_with_an_install_hint(backend: object) -> None:
    store = SecretKeyring(backend)  # type: ignore[arg-type]
    with pytest.raises(KeyringUnavailable) as excinfo:
        store.set("X", "v")
    message = str(excinfo.value)
    assert "no usable OS keyring" in message
    assert "gnome-keyring" in message  # what to install, on Linux


def test_empty_chainer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    with pytest.raises(KeyringUnavailable):
        SecretKeyring(chainer.ChainerBackend()).get("X")


def test_chainer_with_a_real_backend_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    inner = MemoryKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [inner])
    store = SecretKeyring(chainer.ChainerBackend())
    store.set("X", "v1")
    assert inner.entries[("approvald", "X")] == "v1"


def test_plaintext_file_backends_are_refused() -> None:
    """A `keyrings.alt` file backend is never used, whatever its priority."""
    plaintext = type("PlaintextKeyring", (MemoryKeyring,), {"__module__": "keyrings.alt.file"})
    with pytest.raises(KeyringUnavailable, match="file"):
        SecretKeyring(plaintext()).set("X", "v")


def test_process_default_fail_backend_is_refused() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(KeyringUnavailable):
            SecretKeyring().get("X")
    finally:
        keyring.set_keyring(previous)


def test_backend_errors_become_one_sentence(memory_keyring: MemoryKeyring,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown\nmore detail")

    monkeypatch.setattr(memory_keyring, "get_password", broken)
    with pytest.raises(KeyringFailure, match=r"ServiceUnknown$"):
        SecretKeyring().get("X")


def test_a_backend_that_drops_values_is_detected(memory_keyring: MemoryKeyring,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory_keyring, "set_password", lambda *a: None)
    with pytest.raises(KeyringFailure, match="did not keep"):
        SecretKeyring().set("X", "v")


@pytest.mark.parametrize("name", ["", "-flag", "a b", "x/y", "x" * 129, "a\nb"])
def test_bad_names_are_refused(memory_keyring: MemoryKeyring, name: str) -> None:
    with pytest.raises(SecretNameError):
        SecretKeyring().set(name, "v")


def test_empty_value_is_refused(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(ValueError):
        SecretKeyring().set("X", "")


@pytest.mark.keyring
def test_real_secret_service_round_trip(real_keyring: object) -> None:
    """Through gnome-keyring: the entry is visible to the platform's tools as service/user."""
    import secretstorage

    name = f"APPROVALD_TEST_{uuid.uuid4().hex[:8]}"
    store = SecretKeyring(real_keyring)  # type: ignore[arg-type]
    assert "SecretService" in store.describe()
    store.set(name, "real-keyring-value-\u00e9")
    try:
        assert store.get(name) == "real-keyring-value-\u00e9"
        # What `secret-tool lookup service approvald username NAME` would find.
        connection = secretstorage.dbus_init()
        items = list(secretstorage.search_items(connection, {"service": "approvald",
                                                             "username": name}))
        assert len(items) == 1
        assert items[0].get_secret() == "real-keyring-value-\u00e9".encode()
    finally:
        assert store.delete(name) is True
    assert store.get(name) is None
