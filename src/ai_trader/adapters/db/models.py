"""Tables (SPEC STO-1), as SQLAlchemy 2 typed declarative classes.

Every table the runbook queries has a ``timestamp`` column (aware UTC); money and
quantities are exact decimals. The Alembic migrations in ``alembic/versions`` create the
same schema; a test compares the two.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ai_trader.adapters.db._types import ExactDecimal, UtcDateTime


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UtcDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: JSON(),
    }


class OrderRow(Base):
    """One order intent and its latest status. ``type`` and ``quantity`` are null only for a
    denied order that never became valid (e.g. its size rounded to zero)."""

    __tablename__ = "orders"

    client_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    order_type: Mapped[str | None] = mapped_column("type", String(16))
    quantity: Mapped[Decimal | None]
    price: Mapped[Decimal | None]
    quote_quantity: Mapped[Decimal | None]
    reduce_only: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(24), index=True)
    venue_order_id: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)
    tag: Mapped[str] = mapped_column(String(64), default="")
    parent_id: Mapped[str | None] = mapped_column(String(64))
    timestamp: Mapped[datetime] = mapped_column(index=True)  # the order's ts_init
    updated_at: Mapped[datetime]


class FillRow(Base):
    """One execution; a venue reports each (venue, venue order id, trade id) once."""

    __tablename__ = "fills"
    __table_args__ = (
        UniqueConstraint("venue", "venue_order_id", "trade_id", name="uq_fills_venue_trade"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_order_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("orders.client_order_id"), index=True
    )
    venue: Mapped[str] = mapped_column(String(64))
    venue_order_id: Mapped[str] = mapped_column(String(128))
    trade_id: Mapped[str] = mapped_column(String(128))
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[Decimal]
    price: Mapped[Decimal]
    fee: Mapped[Decimal]
    liquidity: Mapped[str] = mapped_column(String(8))
    timestamp: Mapped[datetime] = mapped_column(index=True)  # the fill's ts_event


class TradeRow(Base):
    """A closed round trip: entry to exit."""

    __tablename__ = "trades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    timestamp: Mapped[datetime] = mapped_column(index=True)  # when the trade closed
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[Decimal]
    entry_price: Mapped[Decimal]
    exit_price: Mapped[Decimal]
    pnl: Mapped[Decimal]
    fees: Mapped[Decimal]
    entry_time: Mapped[datetime]
    strategy: Mapped[str] = mapped_column(String(64), default="")


class PositionRow(Base):
    """The latest position per symbol."""

    __tablename__ = "positions"

    symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    quantity: Mapped[Decimal]
    average_price: Mapped[Decimal]
    realized_pnl: Mapped[Decimal]
    fees: Mapped[Decimal]
    timestamp: Mapped[datetime]


class PerformanceMetricRow(Base):
    """A performance snapshot; ``scope`` is ``portfolio`` or a strategy name. The primary
    key contains ``timestamp`` so that TimescaleDB can make the table a hypertable."""

    __tablename__ = "performance_metrics"

    timestamp: Mapped[datetime] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True, default="portfolio")
    date: Mapped[dt.date] = mapped_column(Date, index=True)  # the runbook orders by it
    equity: Mapped[Decimal]
    cash: Mapped[Decimal | None]
    pnl: Mapped[Decimal]
    daily_pnl: Mapped[Decimal | None]
    drawdown: Mapped[float | None] = mapped_column(Float)
    win_rate: Mapped[float | None] = mapped_column(Float)
    sharpe_ratio: Mapped[float | None] = mapped_column(Float)
    trade_count: Mapped[int] = mapped_column(Integer, default=0)


class ParameterChangeRow(Base):
    """A strategy parameter changed by a person or by the optimiser."""

    __tablename__ = "parameter_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    timestamp: Mapped[datetime] = mapped_column(index=True)
    strategy: Mapped[str] = mapped_column(String(64))
    parameter: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))


class OptimizationRunRow(Base):
    """One optimisation trial or study result."""

    __tablename__ = "optimization_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    timestamp: Mapped[datetime] = mapped_column(index=True)
    study: Mapped[str] = mapped_column(String(128))
    params: Mapped[dict[str, Any]]
    score: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(24))


class AuditEventRow(Base):
    """Who did what and why (compliance listens to events and writes these)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    timestamp: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]]


class ApiTokenRow(Base):
    """A bearer API token (SPEC API-2). Only the SHA-256 of the token is stored; the prefix
    (its first characters) lets a person tell tokens apart. A revoked token stays, so a
    name is never reused."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        UniqueConstraint("name", name="uq_api_tokens_name"),
        UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the token
    token_prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


TABLE_NAMES = tuple(sorted(Base.metadata.tables))
