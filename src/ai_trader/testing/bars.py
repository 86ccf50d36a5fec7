"""Bar builders: one bar from its prices, or a whole series from a list of closes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from ai_trader.core.clock import NANOS_PER_SECOND, datetime_to_ns
from ai_trader.domain.bar import Bar, BarSeries

DEFAULT_SYMBOL = "TEST/USD"
BASE_TS = datetime_to_ns(datetime(2024, 1, 1, tzinfo=UTC))
MINUTE_NS = 60 * NANOS_PER_SECOND


def bar_ts(index: int, *, start_ns: int = BASE_TS, interval_ns: int = MINUTE_NS) -> int:
    """Close time of bar ``index`` (0-based): one interval after ``start_ns`` for bar 0."""
    return start_ns + (index + 1) * interval_ns


def make_bar(
    open: float = 100.0,  # noqa: A002 - the market's own word for it
    high: float | None = None,
    low: float | None = None,
    close: float | None = None,
    volume: float = 1_000.0,
    *,
    symbol: str = DEFAULT_SYMBOL,
    index: int = 0,
    ts_event: int | None = None,
) -> Bar:
    """A validated bar; ``close`` defaults to ``open``, ``high``/``low`` to the body's ends.

    ``ts_event`` defaults to the close time of bar ``index`` (see ``bar_ts``).
    """
    close = open if close is None else close
    high = max(open, close) if high is None else high
    low = min(open, close) if low is None else low
    ts = bar_ts(index) if ts_event is None else ts_event
    return Bar.create(symbol, ts, open, high, low, close, volume)


def bars_from_closes(
    closes: Sequence[float],
    *,
    symbol: str = DEFAULT_SYMBOL,
    wick: float = 0.0,
    volume: float = 1_000.0,
    start_ns: int = BASE_TS,
    interval_ns: int = MINUTE_NS,
) -> list[Bar]:
    """Bars whose open is the previous close (the first open is the first close), with
    ``high``/``low`` ``wick`` beyond the body."""
    bars: list[Bar] = []
    previous = closes[0] if closes else 0.0
    for index, close in enumerate(closes):
        bars.append(
            Bar.create(
                symbol,
                bar_ts(index, start_ns=start_ns, interval_ns=interval_ns),
                previous,
                max(previous, close) + wick,
                min(previous, close) - wick,
                close,
                volume,
            )
        )
        previous = close
    return bars


def series_from_bars(bars: Sequence[Bar], symbol: str | None = None) -> BarSeries:
    """The columnar form of ``bars`` (all of one symbol)."""
    name = symbol if symbol is not None else (bars[0].symbol if bars else DEFAULT_SYMBOL)
    return BarSeries(
        name,
        np.array([b.ts_event for b in bars], dtype=np.int64),
        np.array([b.open for b in bars], dtype=np.float64),
        np.array([b.high for b in bars], dtype=np.float64),
        np.array([b.low for b in bars], dtype=np.float64),
        np.array([b.close for b in bars], dtype=np.float64),
        np.array([b.volume for b in bars], dtype=np.float64),
    )


def make_series(
    closes: Sequence[float],
    *,
    symbol: str = DEFAULT_SYMBOL,
    wick: float = 0.0,
    volume: float = 1_000.0,
    start_ns: int = BASE_TS,
    interval_ns: int = MINUTE_NS,
) -> BarSeries:
    """``bars_from_closes`` as a ``BarSeries``."""
    bars = bars_from_closes(
        closes,
        symbol=symbol,
        wick=wick,
        volume=volume,
        start_ns=start_ns,
        interval_ns=interval_ns,
    )
    return series_from_bars(bars, symbol)
