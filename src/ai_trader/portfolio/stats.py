"""Performance statistics from an equity curve and the closed trades.

Conventions (also in docs/concepts/fills.md):
- returns are per bar, ``r_t = equity_t / equity_{t-1} - 1``, the first against the
  starting cash;
- annualization assumes a market open around the clock: periods per year =
  365.25 days / median bar interval;
- Sharpe = mean(r) / stdev(r, ddof=1) * sqrt(periods per year), risk-free rate 0;
- Sortino = mean(r) / sqrt(mean(min(r, 0)^2)) * sqrt(periods per year);
- max drawdown is the largest fall from a running peak, as a positive fraction;
- win rate and profit factor count closed round trips by their PnL net of fees;
- a statistic that is undefined (no trades, no losses, flat curve) is ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from ai_trader.core.clock import NANOS_PER_SECOND
from ai_trader.portfolio.trades import ClosedTrade

SECONDS_PER_YEAR = 365.25 * 86_400


@dataclass(frozen=True, slots=True)
class PerformanceStats:
    bars: int
    trades: int
    closed_trades: int
    starting_cash: float
    final_equity: float
    total_return: float
    cagr: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    win_rate: float | None
    profit_factor: float | None
    fees: float
    realized_pnl: float
    unrealized_pnl: float

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class RunTotals:
    """What the portfolio knows at the end of a run, in booked (Decimal) amounts."""

    starting_cash: Decimal
    final_equity: Decimal
    fees: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    entry_fills: int


def compute_stats(
    timestamps: npt.NDArray[np.int64],
    equity: npt.NDArray[np.float64],
    closed_trades: Sequence[ClosedTrade],
    totals: RunTotals,
) -> PerformanceStats:
    start = float(totals.starting_cash)
    curve = np.concatenate(([start], equity))
    returns = curve[1:] / curve[:-1] - 1.0 if equity.size else np.zeros(0)
    periods = _periods_per_year(timestamps)
    final = float(totals.final_equity)
    pnls = [float(t.net_pnl) for t in closed_trades]
    return PerformanceStats(
        bars=int(equity.size),
        trades=totals.entry_fills,
        closed_trades=len(closed_trades),
        starting_cash=start,
        final_equity=final,
        total_return=final / start - 1.0,
        cagr=_cagr(start, final, timestamps),
        sharpe=_sharpe(returns, periods),
        sortino=_sortino(returns, periods),
        max_drawdown=max_drawdown(curve),
        win_rate=(sum(p > 0 for p in pnls) / len(pnls)) if pnls else None,
        profit_factor=_profit_factor(pnls),
        fees=float(totals.fees),
        realized_pnl=float(totals.realized_pnl),
        unrealized_pnl=float(totals.unrealized_pnl),
    )


def drawdown_series(
    curve: npt.NDArray[np.float64], start: float | None = None
) -> npt.NDArray[np.float64]:
    """The fraction below the running peak at each point: 0 at a new high, 0.25 a quarter
    below it. ``start`` (the starting cash) counts as a peak before the first point."""
    if curve.size == 0:
        return np.zeros(0, dtype=np.float64)
    with_start = curve if start is None else np.concatenate(([start], curve))
    peaks = np.maximum.accumulate(with_start)[len(with_start) - len(curve) :]
    return np.asarray(1.0 - curve / peaks, dtype=np.float64)


def max_drawdown(curve: npt.NDArray[np.float64]) -> float:
    return float(np.max(drawdown_series(curve))) if curve.size else 0.0


def _periods_per_year(timestamps: npt.NDArray[np.int64]) -> float | None:
    if timestamps.size < 2:
        return None
    step_seconds = float(np.median(np.diff(timestamps))) / NANOS_PER_SECOND
    return SECONDS_PER_YEAR / step_seconds if step_seconds > 0 else None


def _cagr(start: float, final: float, timestamps: npt.NDArray[np.int64]) -> float | None:
    if timestamps.size < 2 or final <= 0:
        return None
    # the first return is measured against the starting cash, one bar before the first
    # bar closed: the run spans one more interval than first-to-last timestamp
    interval = float(np.median(np.diff(timestamps)))
    span = float(timestamps[-1] - timestamps[0]) + interval
    years = span / NANOS_PER_SECOND / SECONDS_PER_YEAR
    if years <= 0:
        return None
    try:
        return float((final / start) ** (1.0 / years) - 1.0)
    except OverflowError:
        return None


def _sharpe(returns: npt.NDArray[np.float64], periods: float | None) -> float | None:
    if periods is None or returns.size < 2:
        return None
    deviation = float(np.std(returns, ddof=1))
    if deviation == 0.0 or not math.isfinite(deviation):
        return None
    return float(np.mean(returns)) / deviation * math.sqrt(periods)


def _sortino(returns: npt.NDArray[np.float64], periods: float | None) -> float | None:
    if periods is None or returns.size < 2:
        return None
    downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2)))
    if downside == 0.0:
        return None
    return float(np.mean(returns)) / downside * math.sqrt(periods)


def _profit_factor(pnls: Sequence[float]) -> float | None:
    gross_loss = -sum(p for p in pnls if p < 0)
    if gross_loss == 0:
        return None
    return sum(p for p in pnls if p > 0) / gross_loss
