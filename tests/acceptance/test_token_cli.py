"""``ai-trader token create|list|revoke|rotate`` on a fresh SQLite file, as a user drives it."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from click.testing import Result
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from ai_trader.adapters.db import (
    ApiTokenRow,
    TokenStore,
    create_database_engine,
    head_revision,
)
from ai_trader.adapters.db.migrations import current_revision
from ai_trader.cli.token_command import build_token_app
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.roles import Role

pytestmark = pytest.mark.acceptance


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 't.db'}"


def cli_app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False, rich_markup_mode=None)
    app.add_typer(build_token_app(), name="token")
    return app


def invoke(database_url: str, *args: str) -> Result:
    arguments = ["token", *args, "--database-url", database_url]
    return CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"}).invoke(cli_app(), arguments)


def open_engine(database_url: str) -> Engine:
    return create_database_engine(database_url, Path("unused.db"))


def verify(database_url: str, token: str) -> Role | None:
    engine = open_engine(database_url)
    try:
        info = TokenStore(engine).verify(token)
    finally:
        engine.dispose()
    return None if info is None else info.role


def test_create_prints_the_token_once_with_a_warning_on_a_fresh_database(
    database_url: str,
) -> None:
    result = invoke(database_url, "create", "--name", "grafana", "--role", "viewer")

    assert result.exit_code == 0, result.output
    (token,) = result.stdout.split()
    assert token.startswith("ait_")
    assert "cannot be shown again" in result.stderr
    assert verify(database_url, token) is Role.VIEWER
    engine = open_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            stored = connection.execute(select(ApiTokenRow.__table__)).one()
    finally:
        engine.dispose()
    assert token not in [str(value) for value in stored]


def test_list_shows_name_role_prefix_and_times_but_never_the_token(database_url: str) -> None:
    token = invoke(database_url, "create", "--name", "ops", "--role", "operator").stdout.strip()
    invoke(database_url, "create", "--name", "audit", "--role", "compliance")
    invoke(database_url, "revoke", "audit")

    result = invoke(database_url, "list")

    assert result.exit_code == 0, result.output
    for header in ("name", "role", "prefix", "created", "last used", "revoked"):
        assert header in result.stdout
    assert "ops" in result.stdout
    assert "operator" in result.stdout
    assert "audit" in result.stdout
    assert "compliance" in result.stdout
    assert token[:12] in result.stdout
    assert token not in result.stdout


def test_revoke_stops_the_token_working(database_url: str) -> None:
    token = invoke(database_url, "create", "--name", "ops", "--role", "admin").stdout.strip()

    result = invoke(database_url, "revoke", "ops")

    assert result.exit_code == 0, result.output
    assert "revoked API token 'ops'" in result.stdout
    assert verify(database_url, token) is None


def test_rotate_prints_a_new_token_and_the_old_one_stops_working(database_url: str) -> None:
    old = invoke(database_url, "create", "--name", "ops", "--role", "operator").stdout.strip()

    result = invoke(database_url, "rotate", "ops")

    assert result.exit_code == 0, result.output
    new = result.stdout.strip()
    assert new.startswith("ait_")
    assert new != old
    assert "cannot be shown again" in result.stderr
    assert verify(database_url, old) is None
    assert verify(database_url, new) is Role.OPERATOR


def test_bad_role_fails_in_one_line_naming_the_roles(database_url: str) -> None:
    result = invoke(database_url, "create", "--name", "ops", "--role", "superuser")

    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigurationError)
    message = str(result.exception)
    assert "\n" not in message
    assert "'superuser'" in message
    assert "viewer|compliance|operator|admin" in message


def test_revoke_of_an_unknown_name_fails_naming_the_known_tokens(database_url: str) -> None:
    invoke(database_url, "create", "--name", "grafana", "--role", "viewer")

    result = invoke(database_url, "revoke", "nope")

    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigurationError)
    assert str(result.exception) == "unknown API token 'nope'; known tokens: grafana"


def test_duplicate_name_fails_in_one_line(database_url: str) -> None:
    invoke(database_url, "create", "--name", "grafana", "--role", "viewer")

    result = invoke(database_url, "create", "--name", "grafana", "--role", "admin")

    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigurationError)
    assert "already taken" in str(result.exception)
    assert result.stdout == ""
