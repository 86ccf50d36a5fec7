"""The encrypted secrets file: values round-trip, nothing readable without the key, a wrong
key is one line, values never leak into reprs, errors or the file's bytes."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from ai_trader.config import SecretStore, generate_key
from ai_trader.core.errors import ConfigurationError

NAMES = st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True)
VALUES = st.text(min_size=1, max_size=200)
VALUE = "sk-live-0123456789abcdef"


@pytest.fixture
def store(tmp_path: Path) -> SecretStore:
    return SecretStore(tmp_path / "data" / "secrets.enc", generate_key())


@given(secrets=st.dictionaries(NAMES, VALUES, max_size=5))
def test_secret_store_when_values_set_then_a_new_store_reads_them_back(
    secrets: dict[str, str],
) -> None:
    key = generate_key()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "secrets.enc"
        writer = SecretStore(path, key)
        for name, value in secrets.items():
            writer.set(name, value)

        reader = SecretStore(path, SecretStr(key))

        assert reader.names() == sorted(secrets)
        assert {name: reader.get(name) for name in secrets} == secrets


def test_secret_store_when_no_file_yet_then_no_names(store: SecretStore) -> None:
    assert store.names() == []
    assert not store.path.exists()


def test_secret_store_when_set_then_file_is_private_and_value_not_in_plaintext(
    store: SecretStore,
) -> None:
    store.set("BINANCE_API_SECRET", VALUE)

    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    data = store.path.read_bytes()
    assert VALUE.encode() not in data
    assert b"BINANCE_API_SECRET" not in data
    assert [p.name for p in store.path.parent.iterdir()] == ["secrets.enc"]


def test_secret_store_when_set_twice_then_last_value_kept(store: SecretStore) -> None:
    store.set("token", "first")

    store.set("token", "second")

    assert store.get("token") == "second"
    assert store.names() == ["token"]


def test_secret_store_when_deleted_then_gone(store: SecretStore) -> None:
    store.set("a", "1")
    store.set("b", "2")

    store.delete("a")

    assert store.names() == ["b"]


def test_secret_store_when_name_unknown_then_known_names_listed(store: SecretStore) -> None:
    store.set("alpaca.key", VALUE)

    with pytest.raises(ConfigurationError) as raised:
        store.get("alpaca.secret")

    assert str(raised.value) == (
        f"no secret named 'alpaca.secret' in {store.path}; known names: alpaca.key"
    )
    assert VALUE not in str(raised.value)


def test_secret_store_when_deleting_unknown_name_then_refused(store: SecretStore) -> None:
    with pytest.raises(ConfigurationError, match="known names: none"):
        store.delete("missing")


def test_secret_store_when_wrong_key_then_one_line_and_no_value(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secrets.enc"
    SecretStore(path, generate_key()).set("token", VALUE)

    with pytest.raises(ConfigurationError) as raised:
        SecretStore(path, generate_key()).names()

    assert str(raised.value) == (
        f"cannot decrypt {path}: FERNET_KEY does not match the key it was written with"
    )


def test_secret_store_when_file_is_not_a_token_then_cannot_decrypt(tmp_path: Path) -> None:
    path = tmp_path / "secrets.enc"
    path.write_bytes(b"not encrypted at all")

    with pytest.raises(ConfigurationError, match="cannot decrypt"):
        SecretStore(path, generate_key()).get("x")


@pytest.mark.parametrize("key", ["", "short", "x" * 44, "é" * 44])
def test_secret_store_when_key_malformed_then_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        SecretStore(Path("secrets.enc"), key)

    assert str(raised.value).startswith("FERNET_KEY is not a Fernet key")
    assert (key not in str(raised.value)) or not key


@pytest.mark.parametrize("name", ["", "has space", "a/b", "x" * 65, "ok\n", "naïve"])
def test_secret_store_when_name_not_allowed_then_refused(store: SecretStore, name: str) -> None:
    with pytest.raises(ConfigurationError, match="is not allowed"):
        store.set(name, VALUE)


def test_secret_store_when_value_empty_then_refused(store: SecretStore) -> None:
    with pytest.raises(ConfigurationError, match="non-empty"):
        store.set("token", "")


def test_secret_store_when_printed_then_path_only(store: SecretStore) -> None:
    store.set("token", VALUE)

    assert repr(store) == f"SecretStore(path={str(store.path)!r})"
    assert VALUE not in repr(store)


def test_generate_key_when_called_twice_then_different_usable_keys(tmp_path: Path) -> None:
    first, second = generate_key(), generate_key()

    assert first != second
    assert len(first) == 44
    SecretStore(tmp_path / "s.enc", first).set("a", "b")
