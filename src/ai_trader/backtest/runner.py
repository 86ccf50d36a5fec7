"""Run a backtest of one strategy on bar series, on the simulated venue."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ai_trader.adapters.data.feeds import BarSeriesFeed
from ai_trader.core.clock import TestClock
from ai_trader.domain.bar import BarSeries
from ai_trader.engine.engine import ProgressCallback
from ai_trader.portfolio.stats import PerformanceStats, RunTotals, compute_stats
from ai_trader.runtime.assembly import TradingSession, assemble_session
from ai_trader.runtime.spec import SessionSpec


@dataclass(frozen=True, slots=True)
class BacktestResult:
    session: TradingSession
    stats: PerformanceStats
    elapsed_seconds: float

    @property
    def run_id(self) -> str:
        return self.session.run_id

    @property
    def bars_per_second(self) -> float:
        return self.stats.bars / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


def run_backtest(
    spec: SessionSpec,
    series: Sequence[BarSeries],
    *,
    run_id: str,
    on_progress: ProgressCallback | None = None,
) -> BacktestResult:
    spec.validate_strategy()
    feed = BarSeriesFeed(series)
    starts = [int(s.ts_event[0]) for s in series if len(s)]
    clock = TestClock(min(starts) if starts else 0)
    session = assemble_session(spec, run_id=run_id, clock=clock, feed=feed)
    engine = session.engine
    started = time.perf_counter()
    engine.run(on_progress=on_progress)
    elapsed = time.perf_counter() - started
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
    stats = compute_stats(curve.timestamps, curve.values, portfolio.trades.closed, totals)
    return BacktestResult(session, stats, elapsed)
