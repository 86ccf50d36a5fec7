"""``ai-trader db upgrade|current`` on a SQLite file and on real PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ai_trader.adapters.db import TABLE_NAMES, head_revision
from ai_trader.cli.db_command import build_db_app
from ai_trader.core.errors import ConfigurationError

pytestmark = pytest.mark.integration


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(build_db_app(), list(args), env=env)
    return result.exit_code, result.output, result.exception


def test_db_current_before_upgrade_says_not_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trading_bot.db'}"

    code, output, _ = invoke("current", "--database-url", url)

    assert code == 0
    assert output.startswith("revision: none (not migrated")


def test_db_upgrade_creates_the_tables_in_the_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "data" / "trading_bot.db"

    code, output, _ = invoke("upgrade", "--database-url", f"sqlite:///{path}")

    assert code == 0, output
    assert f"at revision {head_revision()} (head)" in output
    connection = sqlite3.connect(path)
    try:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    finally:
        connection.close()
    assert set(TABLE_NAMES) <= names


def test_db_upgrade_reads_database_url_from_the_environment(postgres_url: str) -> None:
    code, output, _ = invoke("upgrade", env={"DATABASE_URL": postgres_url})
    assert code == 0, output

    code, output, _ = invoke("current", env={"DATABASE_URL": postgres_url})

    assert (code, output.strip()) == (0, f"revision: {head_revision()} (head)")


def test_db_upgrade_with_an_unknown_scheme_raises_a_configuration_error() -> None:
    code, _, exception = invoke("upgrade", "--database-url", "mysql://bot:hunter2@db/trading")

    assert code != 0
    assert isinstance(exception, ConfigurationError)
    assert "hunter2" not in str(exception)
