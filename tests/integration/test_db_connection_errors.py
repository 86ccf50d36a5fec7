"""An unreachable database fails at start in one line, with the password masked."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ai_trader.adapters.db import create_database_engine
from ai_trader.core.errors import ConfigurationError

pytestmark = pytest.mark.integration


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_unreachable_postgresql_is_a_one_line_configuration_error_without_the_password(
    tmp_path: Path,
) -> None:
    url = f"postgresql://bot:hunter2@127.0.0.1:{closed_port()}/trading"

    with pytest.raises(ConfigurationError) as caught:
        create_database_engine(url, tmp_path / "unused.db")

    message = str(caught.value)
    assert message.startswith("cannot connect to database postgresql+psycopg://bot:***@127.0.0.1")
    assert "hunter2" not in message
    assert "\n" not in message
    assert caught.value.__cause__ is None


def test_wrong_password_is_reported_without_echoing_it(postgres_url: str, tmp_path: Path) -> None:
    url = postgres_url.replace("postgres@", "no_such_user:hunter2@", 1)

    with pytest.raises(ConfigurationError) as caught:
        create_database_engine(url, tmp_path / "unused.db")

    assert "hunter2" not in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unopenable_sqlite_file_is_a_configuration_error(tmp_path: Path) -> None:
    directory = tmp_path / "trading_bot.db"
    directory.mkdir()  # a directory where the database file should be

    with pytest.raises(ConfigurationError, match="cannot connect to database sqlite"):
        create_database_engine(None, directory)
