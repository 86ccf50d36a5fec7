"""Initial schema: orders, fills, trades, positions, performance_metrics,
parameter_history, optimization_runs, audit_events.

On PostgreSQL with the ``timescaledb`` extension available, ``performance_metrics`` becomes
a hypertable on ``timestamp``; without it the table stays a plain table.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from ai_trader.adapters.db._types import ExactDecimal, UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

logger = logging.getLogger(__name__)

HYPERTABLES = ("performance_metrics",)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True)


def _timestamp(*, primary_key: bool = False) -> sa.Column[object]:
    return sa.Column("timestamp", UtcDateTime(), nullable=False, primary_key=primary_key)


def _decimal(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, ExactDecimal(), nullable=nullable)


def _text(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def upgrade() -> None:
    _create_order_tables()
    _create_history_tables()
    _create_hypertables()


def _create_order_tables() -> None:
    op.create_table(
        "orders",
        _text("client_order_id", 64),
        _text("symbol", 64),
        _text("side", 8),
        _text("type", 16, nullable=True),
        _decimal("quantity", nullable=True),
        _decimal("price", nullable=True),
        _decimal("quote_quantity", nullable=True),
        sa.Column("reduce_only", sa.Boolean(), nullable=False),
        _text("status", 24),
        _text("venue_order_id", 128, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        _text("tag", 64),
        _text("parent_id", 64, nullable=True),
        _timestamp(),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client_order_id"),
    )
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_index("ix_orders_timestamp", "orders", ["timestamp"])
    op.create_table(
        "fills",
        _id(),
        sa.Column(
            "client_order_id",
            sa.String(64),
            sa.ForeignKey("orders.client_order_id"),
            nullable=False,
        ),
        _text("venue", 64),
        _text("venue_order_id", 128),
        _text("trade_id", 128),
        _text("symbol", 64),
        _text("side", 8),
        _decimal("quantity"),
        _decimal("price"),
        _decimal("fee"),
        _text("liquidity", 8),
        _timestamp(),
        sa.UniqueConstraint("venue", "venue_order_id", "trade_id", name="uq_fills_venue_trade"),
    )
    op.create_index("ix_fills_client_order_id", "fills", ["client_order_id"])
    op.create_index("ix_fills_timestamp", "fills", ["timestamp"])
    op.create_table(
        "positions",
        _text("symbol", 64),
        _decimal("quantity"),
        _decimal("average_price"),
        _decimal("realized_pnl"),
        _decimal("fees"),
        _timestamp(),
        sa.PrimaryKeyConstraint("symbol"),
    )


def _create_history_tables() -> None:
    op.create_table(
        "trades",
        _id(),
        _timestamp(),
        _text("symbol", 64),
        _text("side", 8),
        _decimal("quantity"),
        _decimal("entry_price"),
        _decimal("exit_price"),
        _decimal("pnl"),
        _decimal("fees"),
        sa.Column("entry_time", UtcDateTime(), nullable=False),
        _text("strategy", 64),
    )
    op.create_index("ix_trades_timestamp", "trades", ["timestamp"])
    op.create_table(
        "performance_metrics",
        _timestamp(primary_key=True),
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("date", sa.Date(), nullable=False),
        _decimal("equity"),
        _decimal("cash", nullable=True),
        _decimal("pnl"),
        _decimal("daily_pnl", nullable=True),
        sa.Column("drawdown", sa.Float(), nullable=True),
        sa.Column("win_rate", sa.Float(), nullable=True),
        sa.Column("sharpe_ratio", sa.Float(), nullable=True),
        sa.Column("trade_count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_performance_metrics_date", "performance_metrics", ["date"])
    op.create_table(
        "parameter_history",
        _id(),
        _timestamp(),
        _text("strategy", 64),
        _text("parameter", 64),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _text("actor", 64),
    )
    op.create_index("ix_parameter_history_timestamp", "parameter_history", ["timestamp"])
    op.create_table(
        "optimization_runs",
        _id(),
        _timestamp(),
        _text("study", 128),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        _text("status", 24),
    )
    op.create_index("ix_optimization_runs_timestamp", "optimization_runs", ["timestamp"])
    op.create_table(
        "audit_events",
        _id(),
        _timestamp(),
        _text("actor", 64),
        _text("action", 64),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_events_timestamp", "audit_events", ["timestamp"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])


def _create_hypertables() -> None:
    """TimescaleDB hypertables when the extension can be enabled; plain tables otherwise."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")
    ).first()
    if available is None:
        logger.info("timescaledb is not available: time-series tables stay plain tables")
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS timescaledb"))
            for table in HYPERTABLES:
                bind.execute(
                    sa.text("SELECT create_hypertable(:table, 'timestamp', if_not_exists => TRUE)"),
                    {"table": table},
                )
    except sa.exc.DBAPIError as exc:
        logger.warning("timescaledb could not be enabled (%s): plain tables kept", exc.orig)


def downgrade() -> None:
    for table in (
        "audit_events",
        "optimization_runs",
        "parameter_history",
        "performance_metrics",
        "trades",
        "positions",
        "fills",
        "orders",
    ):
        op.drop_table(table)
