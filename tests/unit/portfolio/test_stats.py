"""Performance statistics on small curves, against reference computations done with the
standard library; a statistic that is undefined is None."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal

import numpy as np
import pytest

from ai_trader.portfolio import (
    ClosedTrade,
    PerformanceStats,
    RunTotals,
    compute_stats,
    max_drawdown,
)
from ai_trader.portfolio.stats import SECONDS_PER_YEAR

DAY_NS = 86_400 * 1_000_000_000
YEAR_NS = int(SECONDS_PER_YEAR) * 1_000_000_000


def trade(net: str) -> ClosedTrade:
    return ClosedTrade(
        "X", "long", 0, 1, Decimal(1), Decimal(1), Decimal(1), Decimal(net), Decimal(0)
    )


def totals(start: float, final: float, entry_fills: int = 0) -> RunTotals:
    return RunTotals(
        starting_cash=Decimal(str(start)),
        final_equity=Decimal(str(final)),
        fees=Decimal("1.5"),
        realized_pnl=Decimal(3),
        unrealized_pnl=Decimal(-1),
        entry_fills=entry_fills,
    )


def stats_of(
    equity: list[float],
    step_ns: int = DAY_NS,
    trades: tuple[str, ...] = (),
    start: float = 100.0,
) -> PerformanceStats:
    timestamps = np.arange(1, len(equity) + 1, dtype=np.int64) * step_ns
    return compute_stats(
        timestamps,
        np.array(equity, dtype=np.float64),
        [trade(t) for t in trades],
        totals(start, equity[-1] if equity else start, entry_fills=len(trades)),
    )


def test_daily_curve_matches_the_reference_formulas() -> None:
    stats = stats_of([110.0, 99.0, 108.9])

    returns = [0.1, -0.1, 0.1]  # each bar against the one before, the first against 100
    periods = 365.25  # daily bars, markets open around the clock
    sharpe = statistics.mean(returns) / statistics.stdev(returns) * math.sqrt(periods)
    downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / len(returns))
    sortino = statistics.mean(returns) / downside * math.sqrt(periods)
    assert stats.sharpe == pytest.approx(sharpe, rel=1e-12)
    assert stats.sortino == pytest.approx(sortino, rel=1e-12)
    assert stats.max_drawdown == pytest.approx(0.1)  # 110 → 99
    assert stats.total_return == pytest.approx(0.089)
    assert stats.bars == 3


def test_cagr_counts_the_year_before_the_first_bar() -> None:
    # the starting cash stands one interval before the first bar: 100 → 110 → 121 is two years
    stats = stats_of([110.0, 121.0], step_ns=YEAR_NS)

    assert stats.cagr == pytest.approx(0.1)


def test_cagr_over_three_years() -> None:
    stats = stats_of([110.0, 121.0, 144.0], step_ns=YEAR_NS)

    assert stats.cagr == pytest.approx(1.44 ** (1 / 3) - 1)


def test_cagr_is_none_when_the_account_is_wiped_out() -> None:
    assert stats_of([50.0, 0.0]).cagr is None


def test_flat_curve_has_no_sharpe_no_sortino_and_no_drawdown() -> None:
    stats = stats_of([100.0, 100.0, 100.0])

    assert (stats.sharpe, stats.sortino) == (None, None)
    assert stats.max_drawdown == 0.0
    assert stats.total_return == 0.0


def test_single_bar_has_no_sharpe_sortino_or_cagr() -> None:
    stats = stats_of([105.0])

    assert (stats.sharpe, stats.sortino, stats.cagr) == (None, None, None)
    assert stats.max_drawdown == 0.0


def test_curve_without_losing_bars_has_a_sharpe_but_no_sortino() -> None:
    stats = stats_of([101.0, 103.0, 104.0])

    assert stats.sharpe is not None
    assert stats.sharpe > 0
    assert stats.sortino is None


def test_no_trades_means_no_win_rate_and_no_profit_factor() -> None:
    stats = stats_of([100.0, 101.0])

    assert (stats.closed_trades, stats.win_rate, stats.profit_factor) == (0, None, None)


def test_win_rate_and_profit_factor_of_closed_trades() -> None:
    stats = stats_of([100.0, 101.0], trades=("10", "-5", "20"))

    assert stats.win_rate == pytest.approx(2 / 3)
    assert stats.profit_factor == pytest.approx(6.0)  # (10 + 20) / 5
    assert (stats.trades, stats.closed_trades) == (3, 3)


def test_break_even_trade_is_not_a_win() -> None:
    stats = stats_of([100.0, 101.0], trades=("0", "4"))

    assert stats.win_rate == 0.5


def test_profit_factor_without_losses_is_none_and_without_wins_is_zero() -> None:
    assert stats_of([100.0, 101.0], trades=("3", "4")).profit_factor is None
    assert stats_of([100.0, 99.0], trades=("-3",)).profit_factor == 0.0


def test_totals_are_reported_as_floats() -> None:
    stats = stats_of([100.0, 120.0])

    assert (stats.fees, stats.realized_pnl, stats.unrealized_pnl) == (1.5, 3.0, -1.0)
    assert (stats.starting_cash, stats.final_equity) == (100.0, 120.0)
    assert stats.to_dict()["final_equity"] == 120.0


def test_empty_run() -> None:
    stats = compute_stats(np.zeros(0, dtype=np.int64), np.zeros(0), [], totals(100.0, 100.0))

    assert (stats.bars, stats.max_drawdown, stats.sharpe, stats.cagr) == (0, 0.0, None, None)


@pytest.mark.parametrize(
    ("curve", "expected"),
    [
        ([100.0, 120.0, 90.0, 130.0, 65.0], 0.5),  # 130 → 65 beats 120 → 90
        ([100.0, 110.0, 120.0], 0.0),
        ([100.0, 50.0, 200.0, 150.0], 0.5),
        ([], 0.0),
    ],
)
def test_max_drawdown_is_the_largest_fall_from_a_running_peak(
    curve: list[float], expected: float
) -> None:
    assert max_drawdown(np.array(curve, dtype=np.float64)) == pytest.approx(expected)


def test_drawdown_counts_a_fall_from_the_starting_cash() -> None:
    assert stats_of([80.0, 90.0]).max_drawdown == pytest.approx(0.2)
