"""The outcome of a run (backtest or paper): the session, its statistics and its speed."""

from __future__ import annotations

from dataclasses import dataclass

from ai_trader.engine.engine import TradingEngine
from ai_trader.portfolio.stats import PerformanceStats, RunTotals, compute_stats
from ai_trader.runtime.assembly import TradingSession


@dataclass(frozen=True, slots=True)
class RunResult:
    session: TradingSession
    stats: PerformanceStats
    elapsed_seconds: float

    @property
    def run_id(self) -> str:
        return self.session.run_id

    @property
    def bars_per_second(self) -> float:
        return self.stats.bars / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


def summarize(session: TradingSession, elapsed_seconds: float) -> RunResult:
    """Statistics of a finished (or stopped) session; open positions stay open, marked at
    their last price."""
    return RunResult(session, engine_stats(session.engine), elapsed_seconds)


def engine_stats(engine: TradingEngine) -> PerformanceStats:
    """Statistics of what ``engine`` has traded so far (a copy of the equity curve, so a
    running engine can go on appending)."""
    portfolio = engine.portfolio
    totals = RunTotals(
        starting_cash=portfolio.starting_cash,
        final_equity=portfolio.equity(),
        fees=portfolio.fees_paid,
        realized_pnl=portfolio.realized_pnl(),
        unrealized_pnl=portfolio.unrealized_pnl(),
        entry_fills=engine.orders.filled_entries,
    )
    curve = portfolio.equity_curve
    return compute_stats(
        curve.timestamps.copy(), curve.values.copy(), list(portfolio.trades.closed), totals
    )
