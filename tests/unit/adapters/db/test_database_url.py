"""Database URLs: the SQLite default, the psycopg 3 normalisation, refused schemes."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_trader.adapters.db import (
    ALLOWED_SCHEMES,
    create_database_engine,
    mask_url,
    resolve_database_url,
)
from ai_trader.core.errors import ConfigurationError

DEFAULT = Path("data/trading_bot.db")


@pytest.mark.parametrize("url", [None, "", "  "])
def test_no_url_means_sqlite_at_the_default_path(url: str | None) -> None:
    resolved = resolve_database_url(url, DEFAULT)

    assert (resolved.drivername, resolved.database) == ("sqlite", "data/trading_bot.db")


@pytest.mark.parametrize(
    "url", ["postgresql://bot:pw@db:5432/trading", "postgresql+psycopg://bot:pw@db:5432/trading"]
)
def test_postgresql_urls_use_psycopg_3(url: str) -> None:
    resolved = resolve_database_url(url, DEFAULT)

    assert resolved.drivername == "postgresql+psycopg"
    assert (resolved.host, resolved.database) == ("db", "trading")


@pytest.mark.parametrize(
    "url",
    [
        "mysql://bot:hunter2@db/trading",
        "postgresql+psycopg2://bot:hunter2@db/trading",
        "redis://bot:hunter2@localhost:6379/0",
    ],
)
def test_unknown_scheme_is_a_configuration_error_naming_the_allowed_ones(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_database_url(url, DEFAULT)

    message = str(caught.value)
    assert "is not supported" in message
    assert all(scheme in message for scheme in ALLOWED_SCHEMES)
    assert "hunter2" not in message
    assert "\n" not in message


def test_text_that_is_not_a_url_is_a_configuration_error_without_the_password() -> None:
    with pytest.raises(ConfigurationError, match="is not a URL") as caught:
        resolve_database_url("bot:hunter2@nowhere", DEFAULT)

    assert "hunter2" not in str(caught.value)


def test_masked_url_hides_the_password() -> None:
    resolved = resolve_database_url("postgresql://bot:hunter2@db/trading", DEFAULT)

    assert mask_url(resolved) == "postgresql+psycopg://bot:***@db/trading"


def test_sqlite_engine_creates_the_missing_parent_directories(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "data" / "trading_bot.db"

    engine = create_database_engine(None, path)
    engine.dispose()

    assert path.parent.is_dir()


def test_sqlite_directory_that_cannot_be_created_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    with pytest.raises(ConfigurationError, match="cannot create the database directory"):
        create_database_engine(None, blocker / "data" / "trading_bot.db")
