"""The numbers a backtest report draws: downsampled lines, buy-and-hold, drawdown, monthly
returns and trade markers. Pure numpy; the figures are built in ``report_figures``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ai_trader.domain.bar import BarSeries, FloatArray, IntArray
from ai_trader.portfolio.stats import drawdown_series
from ai_trader.portfolio.trades import ClosedTrade

MAX_LINE_POINTS = 5_000
"""A line with more points is cut to the lowest and highest point of each time bucket."""


@dataclass(frozen=True, slots=True)
class Markers:
    """Entry and exit points of closed trades at their exact fill times and prices."""

    name: str  # "long entry", "long exit", "short entry", "short exit"
    ts_event: IntArray
    price: FloatArray
    trade_numbers: list[int]  # 1-based, in the order the trades closed


@dataclass(frozen=True, slots=True)
class MonthlyReturns:
    """``returns[year_index, month - 1]`` as a fraction; NaN where the run has no bar."""

    years: list[int]
    returns: FloatArray


def extreme_indices(values: FloatArray, max_points: int = MAX_LINE_POINTS) -> IntArray:
    """Indices of at most ``max_points`` + 2 points of ``values`` that keep its shape: the
    first, the last, and the lowest and highest point of each equal-width bucket."""
    n = int(values.size)
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    buckets = max(1, max_points // 2)
    width = -(-n // buckets)  # ceiling division
    padded = np.pad(values, (0, buckets * width - n), mode="edge").reshape(buckets, width)
    offsets = np.arange(buckets, dtype=np.int64) * width
    lows = offsets + np.argmin(padded, axis=1)
    highs = offsets + np.argmax(padded, axis=1)
    chosen = np.concatenate(([0, n - 1], lows, highs))
    return np.unique(np.minimum(chosen, n - 1)).astype(np.int64)


def buy_and_hold(series: BarSeries, starting_cash: float) -> FloatArray:
    """Value of ``starting_cash`` put into the symbol at the first bar's open (no fees),
    marked at every bar's close."""
    if len(series) == 0:
        return np.zeros(0, dtype=np.float64)
    quantity = starting_cash / float(series.open[0])
    return np.asarray(series.close * quantity, dtype=np.float64)


def drawdown(equity: FloatArray, starting_cash: float) -> FloatArray:
    """Fall from the running peak (the starting cash counts as the first peak), as a
    negative fraction: 0 at a new high, -0.25 a quarter below it."""
    return -drawdown_series(equity, starting_cash)


def monthly_returns(
    timestamps: IntArray, equity: FloatArray, starting_cash: float
) -> MonthlyReturns:
    """Return of each calendar month (UTC): its last equity against the previous month's
    last equity, the first month against the starting cash."""
    if equity.size == 0:
        return MonthlyReturns([], np.zeros((0, 12), dtype=np.float64))
    months = timestamps.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    last = [*np.flatnonzero(np.diff(months)).tolist(), months.size - 1]
    month_keys = months[last]
    closes = equity[last]
    previous = np.concatenate(([starting_cash], closes[:-1]))
    returns = closes / previous - 1.0
    first_year = int(month_keys[0] // 12) + 1970
    last_year = int(month_keys[-1] // 12) + 1970
    table = np.full((last_year - first_year + 1, 12), np.nan, dtype=np.float64)
    for key, value in zip(month_keys.tolist(), returns.tolist(), strict=True):
        table[key // 12 + 1970 - first_year, key % 12] = value
    return MonthlyReturns(list(range(first_year, last_year + 1)), table)


def trade_markers(trades: Sequence[ClosedTrade]) -> list[Markers]:
    """Four marker sets (long/short × entry/exit); together two points per trade."""
    groups: dict[str, tuple[list[int], list[float], list[int]]] = {
        name: ([], [], []) for name in ("long entry", "long exit", "short entry", "short exit")
    }
    for number, trade in enumerate(trades, start=1):
        for moment, ts, price in (
            ("entry", trade.entry_ts, trade.entry_price),
            ("exit", trade.exit_ts, trade.exit_price),
        ):
            times, prices, numbers = groups[f"{trade.direction} {moment}"]
            times.append(ts)
            prices.append(float(price))
            numbers.append(number)
    return [
        Markers(name, np.asarray(times, dtype=np.int64), np.asarray(prices), numbers)
        for name, (times, prices, numbers) in groups.items()
    ]


def to_datetimes(timestamps: IntArray) -> npt.NDArray[np.datetime64]:
    """Epoch nanoseconds as naive UTC datetimes at millisecond precision (plotly's own)."""
    return timestamps.astype("datetime64[ns]").astype("datetime64[ms]")
