"""``ai-trader db upgrade|current``: migrate the database and show its revision.

The database is ``--database-url``, else the ``DATABASE_URL`` environment variable, else
SQLite at ``data/trading_bot.db``. A bad or unreachable URL ends in one line (the password
masked) through ``ConfigurationError``.
"""

from __future__ import annotations

import typer

from ai_trader.adapters.db import (
    create_database_engine,
    current_revision,
    head_revision,
    mask_url,
    upgrade_database,
)
from ai_trader.cli.options import DEFAULT_DATABASE_PATH, DatabaseUrlOption


def upgrade(database_url: DatabaseUrlOption = None) -> None:
    """Create or migrate the database schema to the newest revision."""
    engine = create_database_engine(database_url, DEFAULT_DATABASE_PATH)
    try:
        revision = upgrade_database(engine)
        typer.echo(f"{mask_url(engine.url)}: at revision {revision} (head)")
    finally:
        engine.dispose()


def current(database_url: DatabaseUrlOption = None) -> None:
    """Show the database's schema revision and the newest one available."""
    engine = create_database_engine(database_url, DEFAULT_DATABASE_PATH)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    if revision is None:
        typer.echo(f"revision: none (not migrated; run 'ai-trader db upgrade' to reach {head})")
    elif revision == head:
        typer.echo(f"revision: {revision} (head)")
    else:
        typer.echo(f"revision: {revision} (head is {head}; run 'ai-trader db upgrade')")


def build_db_app() -> typer.Typer:
    """The ``db`` command group, registered by ``cli.main``."""
    app = typer.Typer(
        name="db",
        help="Database schema: upgrade, current revision.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("upgrade")(upgrade)
    app.command("current")(current)
    return app
