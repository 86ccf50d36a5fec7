"""Named secrets (venue API keys, tokens) in one Fernet-encrypted file, ``data/secrets.enc``.

The file holds one Fernet token whose plaintext is a JSON object name → value. It is
written atomically with mode 0600. Values never appear in a repr, a log line or an
exception message; names may.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from ai_trader.config.config_file import write_atomically
from ai_trader.core.errors import ConfigurationError

SECRET_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
FILE_MODE = 0o600


def generate_key() -> str:
    """A new random Fernet key (32 url-safe base64-encoded bytes), for ``FERNET_KEY``."""
    return Fernet.generate_key().decode("ascii")


class SecretStore:
    """Read and change the secrets in ``path``, encrypted with ``key``."""

    def __init__(self, path: Path, key: SecretStr | str) -> None:
        self._path = path
        self._fernet = _fernet(key.get_secret_value() if isinstance(key, SecretStr) else key)

    @property
    def path(self) -> Path:
        return self._path

    def __repr__(self) -> str:
        return f"SecretStore(path={str(self._path)!r})"

    def names(self) -> list[str]:
        return sorted(self._load())

    def get(self, name: str) -> str:
        secrets = self._load()
        if name not in secrets:
            raise ConfigurationError(self._unknown(name, secrets))
        return secrets[name]

    def set(self, name: str, value: str) -> None:
        check_secret_name(name)
        if not isinstance(value, str) or not value:
            raise ConfigurationError(f"secret {name!r}: the value must be a non-empty string")
        secrets = self._load()
        secrets[name] = value
        self._save(secrets)

    def delete(self, name: str) -> None:
        secrets = self._load()
        if name not in secrets:
            raise ConfigurationError(self._unknown(name, secrets))
        del secrets[name]
        self._save(secrets)

    def _load(self) -> dict[str, str]:
        try:
            token = self._path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigurationError(f"cannot read {self._path}: {exc.strerror}") from None
        try:
            plaintext = self._fernet.decrypt(token)
        except InvalidToken:
            raise ConfigurationError(
                f"cannot decrypt {self._path}: FERNET_KEY does not match the key it was "
                "written with"
            ) from None
        return self._parse(plaintext)

    def _parse(self, plaintext: bytes) -> dict[str, str]:
        try:
            secrets = json.loads(plaintext)
        except ValueError:
            secrets = None
        valid = isinstance(secrets, dict) and all(
            isinstance(name, str) and isinstance(value, str) for name, value in secrets.items()
        )
        if not valid:
            raise ConfigurationError(f"{self._path}: decrypted, but it is not a name → value table")
        return dict(secrets)

    def _save(self, secrets: dict[str, str]) -> None:
        plaintext = json.dumps(secrets, sort_keys=True).encode("utf-8")
        write_atomically(self._path, self._fernet.encrypt(plaintext), mode=FILE_MODE)

    def _unknown(self, name: str, secrets: dict[str, str]) -> str:
        known = ", ".join(sorted(secrets)) or "none"
        return f"no secret named {name!r} in {self._path}; known names: {known}"


def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ConfigurationError(
            "FERNET_KEY is not a Fernet key (32 url-safe base64-encoded bytes); "
            "create one with 'ai-trader secrets keygen'"
        ) from None


def check_secret_name(name: str) -> None:
    """Raise ``ConfigurationError`` unless ``name`` matches ``SECRET_NAME``."""
    if not SECRET_NAME.fullmatch(name):
        raise ConfigurationError(
            f"secret name {name!r} is not allowed: use 1 to 64 letters, digits, '_', '.' or '-'"
        )
