"""Repositories for the history tables: add a row, list the newest rows.

Rows are the mapped classes of ``models``; they come back detached, safe to read after
the session has closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker

from ai_trader.adapters.db.models import (
    AuditEventRow,
    Base,
    OptimizationRunRow,
    ParameterChangeRow,
    PerformanceMetricRow,
    PositionRow,
    TradeRow,
)

RowT = TypeVar("RowT", bound=Base)


class Repository(Generic[RowT]):
    """``add`` commits one row; ``list_recent`` returns the newest by ``timestamp``."""

    def __init__(self, engine: Engine, model: type[RowT]) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._model = model

    def add(self, row: RowT) -> RowT:
        with self._sessions.begin() as session:
            session.add(row)
        return row

    def count(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(self._model)) or 0)

    def list_recent(self, limit: int = 10) -> list[RowT]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        column = self._model.__table__.c["timestamp"]
        query = select(self._model).order_by(column.desc()).limit(limit)
        with self._sessions() as session:
            return list(session.scalars(query))


class PositionRepository(Repository[PositionRow]):
    """Positions are one row per symbol: ``save`` replaces the symbol's row."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, PositionRow)

    def save(self, row: PositionRow) -> PositionRow:
        with self._sessions.begin() as session:
            return session.merge(row)

    def all(self) -> list[PositionRow]:
        with self._sessions() as session:
            return list(session.scalars(select(PositionRow).order_by(PositionRow.symbol)))


@dataclass(frozen=True, slots=True)
class Repositories:
    trades: Repository[TradeRow]
    positions: PositionRepository
    performance_metrics: Repository[PerformanceMetricRow]
    parameter_history: Repository[ParameterChangeRow]
    optimization_runs: Repository[OptimizationRunRow]
    audit_events: Repository[AuditEventRow]

    @classmethod
    def for_engine(cls, engine: Engine) -> Repositories:
        return cls(
            trades=Repository(engine, TradeRow),
            positions=PositionRepository(engine),
            performance_metrics=Repository(engine, PerformanceMetricRow),
            parameter_history=Repository(engine, ParameterChangeRow),
            optimization_runs=Repository(engine, OptimizationRunRow),
            audit_events=Repository(engine, AuditEventRow),
        )
