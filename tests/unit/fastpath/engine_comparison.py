"""Run the engine and the fast path on the same inputs and compare what they traded."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ai_trader.adapters.data.feeds import BarSeriesFeed
from ai_trader.core.clock import TestClock
from ai_trader.domain.bar import BarSeries
from ai_trader.domain.events import Event, OrderDenied, TradingHalted
from ai_trader.fastpath import FastRun, ParamSet, simulate
from ai_trader.runtime import RunResult, SessionSpec, assemble_session, summarize

LOTS = Decimal(100_000_000)


@dataclass(frozen=True)
class EngineRun:
    result: RunResult
    halts: int
    denied: int


def run_engine(strategy: str, series: BarSeries, params: ParamSet, spec: SessionSpec) -> EngineRun:
    """``run_backtest``, with a listener counting halts and denials."""
    spec = spec.model_copy(update={"strategy": strategy, "params": dict(params)})
    spec.validate_strategy()
    clock = TestClock(int(series.ts_event[0]))
    session = assemble_session(spec, run_id="cmp", clock=clock, feed=BarSeriesFeed([series]))
    counts = {"halts": 0, "denied": 0}

    def count(event: Event) -> None:
        if isinstance(event, TradingHalted):
            counts["halts"] += 1
        elif isinstance(event, OrderDenied):
            counts["denied"] += 1

    session.engine.subscribe(count)
    session.engine.run()
    return EngineRun(summarize(session, 1.0), counts["halts"], counts["denied"])


def close(a: float, b: float, rel: float, absolute: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=absolute)


def lot_slack(lots: int, fixed: bool) -> int:
    """Fixed sizes are exact. A size computed by a division (all_in, risk) may differ by a
    lot; beyond about 1e14 lots float64 itself holds less than a lot's precision, and a lot
    of difference in one trade can carry into the next through the cash: 1e-14 relative."""
    return 0 if fixed else max(1, int(lots * 1e-14))


def assert_same(fast: FastRun, engine: EngineRun, *, fixed: bool, exact_prices: bool) -> None:
    """Trades, counts, equity and statistics agree.

    Money is compared within 1e-6 relative, or 1e-9 of the starting cash where a value
    is near zero (float64 against Decimal: after a near wipe-out, a last-digit difference
    in the cash is a large fraction of what is left).
    """
    result = engine.result
    closed = result.session.engine.portfolio.trades.closed
    trades = fast.trades
    assert len(trades) == len(closed), (len(trades), len(closed))
    assert fast.stats["trades"] == result.session.engine.orders.filled_entries
    cash = float(result.stats.starting_cash)
    for row, trade in zip(trades.itertuples(), closed, strict=True):
        where = f"trade entered at {trade.entry_ts}"
        assert row.direction == trade.direction, where
        assert (row.entry_ts, row.exit_ts) == (trade.entry_ts, trade.exit_ts), where
        lots = int(trade.quantity * LOTS)
        assert abs(row.quantity_lots - lots) <= lot_slack(lots, fixed), where
        for ours, theirs in (
            (row.entry_price, trade.entry_price),
            (row.exit_price, trade.exit_price),
        ):
            if exact_prices:
                assert ours == float(theirs), where
            else:
                assert close(ours, float(theirs), 1e-9, 0.0), where
        assert close(row.fees, float(trade.fees), 1e-6, cash * 1e-9), where
        assert close(row.net_pnl, float(trade.net_pnl), 1e-6, cash * 1e-9), where
    assert (fast.stats["halts"], fast.stats["denied_entries"]) == (engine.halts, engine.denied)
    curve = result.session.engine.portfolio.equity_curve.values
    assert np.allclose(fast.equity, curve, rtol=1e-9, atol=cash * 1e-9)
    assert_same_stats(fast, engine)


def assert_same_stats(fast: FastRun, engine: EngineRun) -> None:
    stats = engine.result.stats
    cash = stats.starting_cash
    assert fast.stats["closed_trades"] == stats.closed_trades
    tolerances = {
        "final_equity": (1e-6, cash * 1e-9),
        "fees": (1e-6, cash * 1e-9),
        "total_return": (1e-6, 1e-9),
        "max_drawdown": (1e-6, 1e-9),
        "win_rate": (1e-9, 1e-9),
        "profit_factor": (1e-6, 1e-9),
    }
    for name, (rel, absolute) in tolerances.items():
        ours, theirs = fast.stats[name], getattr(stats, name)
        if theirs is None or ours is None:
            assert ours is None, (name, ours, theirs)
            assert theirs is None, (name, ours, theirs)
        else:
            assert isinstance(ours, float)
            assert close(ours, theirs, rel, absolute), (name, ours, theirs)
    curve = engine.result.session.engine.portfolio.equity_curve.values
    if curve.size and curve.min() < float(cash) * 1e-6:
        return  # per-bar returns of an equity within float noise of zero are noise
    ours, theirs = fast.stats["sharpe"], stats.sharpe
    if ours is None or theirs is None:
        assert ours is None, ("sharpe", ours, theirs)
        assert theirs is None, ("sharpe", ours, theirs)
    else:
        assert isinstance(ours, float)
        assert close(ours, theirs, 1e-5, 1e-9), ("sharpe", ours, theirs)


def compare(
    strategy: str, series: BarSeries, params: ParamSet, spec: SessionSpec
) -> tuple[FastRun, EngineRun]:
    """Run both and assert they agree, with the slack the sizing and costs allow."""
    fast = simulate(strategy, series, params, spec)
    engine = run_engine(strategy, series, params, spec)
    fixed = spec.sizing.startswith("fixed")
    exact_prices = spec.slippage_bps == 0 and strategy != "breakout"
    assert_same(fast, engine, fixed=fixed, exact_prices=exact_prices)
    return fast, engine
