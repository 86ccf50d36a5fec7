"""The account as the runbook queries it: closed trades, positions and performance
snapshots written to the database (``trades``, ``positions``, ``performance_metrics``).

The journal's fills are the truth; these tables are derived from the portfolio that the
fills build. They are written off the order path: a fill marks its symbol, and
:meth:`AccountRecorder.flush` (after each bar, before a query, on stop) writes the new
closed trades and the changed positions in one transaction. After a restart
:meth:`AccountRecorder.catch_up` writes the trades closed by fills journaled just before a
crash, so the tables never miss one and never repeat one.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from ai_trader.adapters.db import PerformanceMetricRow, PositionRow, Repositories, TradeRow
from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.money import to_decimal
from ai_trader.domain.bar import Bar
from ai_trader.domain.events import Event, OrderFilled
from ai_trader.engine.engine import TradingEngine
from ai_trader.portfolio.trades import ClosedTrade
from ai_trader.runtime.result import engine_stats

logger = logging.getLogger(__name__)

AMOUNT_PLACES = Decimal("0.00000001")
"""Marked amounts (price × quantity) are rounded to this in snapshots."""
AVERAGE_PLACES = Decimal("0.000000000001")
"""Averages over several fills (a round trip's prices and P&L) are rounded to this."""


class AccountRecorder:
    """Subscribe :meth:`on_event` to the engine; call :meth:`snapshot` now and then."""

    def __init__(
        self,
        repositories: Repositories,
        database: Engine,
        engine: TradingEngine,
        strategy: str,
    ) -> None:
        self._repositories = repositories
        self._sessions = sessionmaker(database, expire_on_commit=False)
        self._engine = engine
        self._strategy = strategy
        self._recorded_trades = repositories.trades.count()
        self._changed: set[str] = set()

    def catch_up(self) -> int:
        """Write the closed trades and positions the tables lack; returns trades written."""
        self._changed.update(p.symbol for p in self._engine.portfolio.open_positions())
        written = self.flush()
        if written:
            logger.info("account tables: %d closed trades recorded after restart", written)
        return written

    def on_event(self, event: Event) -> None:
        if isinstance(event, OrderFilled):
            self._changed.add(event.fill.symbol)

    def on_bar(self, bar: Bar) -> None:
        if self._changed:
            self.flush()

    def flush(self) -> int:
        """Write new closed trades and changed positions in one transaction; returns the
        number of trades written."""
        closed = self._engine.portfolio.trades.closed
        new = closed[self._recorded_trades :]
        if not new and not self._changed:
            return 0
        ts = self._engine.clock.timestamp_ns()
        with self._sessions.begin() as session:
            session.add_all(self._trade_row(trade) for trade in new)
            for symbol in sorted(self._changed):
                session.merge(self._position_row(symbol, ts))
        self._recorded_trades = len(closed)
        self._changed.clear()
        return len(new)

    def snapshot(self, ts_event: int) -> PerformanceMetricRow:
        """One ``performance_metrics`` row for the whole portfolio at ``ts_event``."""
        portfolio = self._engine.portfolio
        limits = self._engine.risk.limits_snapshot()
        equity = portfolio.equity_float()
        stats = engine_stats(self._engine)
        moment = ns_to_datetime(ts_event)
        row = PerformanceMetricRow(
            timestamp=moment,
            scope="portfolio",
            date=moment.date(),
            equity=portfolio.equity().quantize(AMOUNT_PLACES),
            cash=portfolio.cash.quantize(AMOUNT_PLACES),
            pnl=(portfolio.equity() - portfolio.starting_cash).quantize(AMOUNT_PLACES),
            daily_pnl=to_decimal(equity - limits.day_start).quantize(AMOUNT_PLACES),
            drawdown=1.0 - equity / limits.peak if limits.peak > 0 else 0.0,
            win_rate=stats.win_rate,
            sharpe_ratio=stats.sharpe,
            trade_count=stats.closed_trades,
        )
        return self._repositories.performance_metrics.add(row)

    def _trade_row(self, trade: ClosedTrade) -> TradeRow:
        return TradeRow(
            timestamp=ns_to_datetime(trade.exit_ts),
            symbol=trade.symbol,
            side=trade.direction,
            quantity=trade.quantity,
            entry_price=trade.entry_price.quantize(AVERAGE_PLACES),
            exit_price=trade.exit_price.quantize(AVERAGE_PLACES),
            pnl=trade.net_pnl.quantize(AVERAGE_PLACES),
            fees=trade.fees,
            entry_time=ns_to_datetime(trade.entry_ts),
            strategy=self._strategy,
        )

    def _position_row(self, symbol: str, ts_event: int) -> PositionRow:
        position = self._engine.portfolio.position(symbol)
        return PositionRow(
            symbol=symbol,
            quantity=position.quantity,
            average_price=position.average_price.quantize(AVERAGE_PLACES),
            realized_pnl=position.realized_pnl.quantize(AVERAGE_PLACES),
            fees=position.fees,
            timestamp=ns_to_datetime(ts_event),
        )
