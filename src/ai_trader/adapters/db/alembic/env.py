"""Alembic environment: runs on the connection ``upgrade_database`` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from ai_trader.adapters.db.models import Base


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "run migrations with ai_trader.adapters.db.upgrade_database (or "
            "'ai-trader db upgrade'), which passes the connection in"
        )
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported")
run_migrations_online()
