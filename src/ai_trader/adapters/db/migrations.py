"""Run the packaged Alembic migrations from code: no ``alembic.ini`` in the working dir.

``upgrade_database`` takes an engine or a URL; ``current_revision`` and ``head_revision``
tell an operator where a database stands.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from ai_trader.adapters.db.engine import create_database_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "alembic"
DEFAULT_DATABASE_PATH = Path("data/trading_bot.db")


def alembic_config() -> Config:
    """An Alembic configuration built in code, pointing at the packaged scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade_database(target: Engine | str, revision: str = "head") -> str | None:
    """Migrate ``target`` to ``revision``; returns the revision it is at afterwards."""
    engine = _engine(target)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return current_revision(engine)


def current_revision(target: Engine | str) -> str | None:
    """The database's revision, or None when it has never been migrated."""
    engine = _engine(target)
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision the packaged migrations know."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _engine(target: Engine | str) -> Engine:
    if isinstance(target, Engine):
        return target
    return create_database_engine(target, DEFAULT_DATABASE_PATH)
