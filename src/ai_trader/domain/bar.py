"""Market data bars.

``Bar`` is an immutable named tuple (cheap to build a million of). ``BarSeries`` is the
columnar form used for storage, validation and the vectorized fast path; its rows are
validated once, when the series is built, so the engine does not re-check every bar.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import chain, repeat
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.errors import DataError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Bar(NamedTuple):
    """One OHLCV bar; ``ts_event`` is the bar's close time in epoch nanoseconds (UTC)."""

    symbol: str
    ts_event: int
    open: float
    high: float
    low: float
    close: float
    volume: float

    @classmethod
    def create(
        cls,
        symbol: str,
        ts_event: int,
        open: float,  # noqa: A002 - the market's own word for it
        high: float,
        low: float,
        close: float,
        volume: float,
    ) -> Bar:
        """Build one bar with the same checks ``BarSeries`` applies to a whole file."""
        values = (open, high, low, close, volume)
        if not all(math.isfinite(v) for v in values):
            raise DataError(f"{symbol} bar at {ts_event}: NaN or infinite value in {values}")
        if high < low:
            raise DataError(f"{symbol} bar at {ts_event}: high {high} < low {low}")
        if not (low <= open <= high and low <= close <= high):
            raise DataError(f"{symbol} bar at {ts_event}: open/close outside [low, high]")
        if min(open, high, low, close) <= 0:
            raise DataError(f"{symbol} bar at {ts_event}: prices must be positive")
        if volume < 0:
            raise DataError(f"{symbol} bar at {ts_event}: negative volume {volume}")
        return cls(symbol, ts_event, open, high, low, close, volume)

    @property
    def timestamp(self) -> datetime:
        return ns_to_datetime(self.ts_event)


@dataclass(frozen=True, slots=True)
class BarSeries:
    """Validated, time-ordered OHLCV columns for one symbol."""

    symbol: str
    ts_event: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __post_init__(self) -> None:
        validate_columns(self)
        for column in (self.ts_event, self.open, self.high, self.low, self.close, self.volume):
            column.flags.writeable = False  # validated once: nobody may change it afterwards

    def __len__(self) -> int:
        return int(self.ts_event.shape[0])

    def slice(self, start: int, stop: int | None = None) -> BarSeries:
        window = slice(start, stop)
        return BarSeries(
            self.symbol,
            self.ts_event[window],
            self.open[window],
            self.high[window],
            self.low[window],
            self.close[window],
            self.volume[window],
        )

    def bar(self, index: int) -> Bar:
        return Bar(
            self.symbol,
            int(self.ts_event[index]),
            float(self.open[index]),
            float(self.high[index]),
            float(self.low[index]),
            float(self.close[index]),
            float(self.volume[index]),
        )

    def iter_bars(self, chunk: int = 65_536) -> Iterator[Bar]:
        """Yield ``Bar`` tuples, converting ``chunk`` rows at a time: a million-bar series
        never holds more than one chunk of Python objects."""
        return chain.from_iterable(
            self._bars(start, min(start + chunk, len(self))) for start in range(0, len(self), chunk)
        )

    def _bars(self, start: int, stop: int) -> Iterator[Bar]:
        # tuple.__new__ bound to Bar builds each bar in C, without the Python-level
        # NamedTuple constructor: a fifth of the per-bar cost of a backtest.
        make_bar = partial(tuple.__new__, Bar)
        window = slice(start, stop)
        columns = zip(
            repeat(self.symbol, stop - start),
            self.ts_event[window].tolist(),
            self.open[window].tolist(),
            self.high[window].tolist(),
            self.low[window].tolist(),
            self.close[window].tolist(),
            self.volume[window].tolist(),
            strict=True,
        )
        return map(make_bar, columns)


def validate_columns(series: BarSeries) -> None:
    """Raise ``DataError`` naming the first offending row of a malformed series."""
    if not series.symbol:
        raise DataError("a bar series needs a symbol")
    if series.ts_event.dtype != np.int64 or series.ts_event.ndim != 1:
        raise DataError(
            f"timestamps must be a 1-D int64 array of epoch nanoseconds, got "
            f"{series.ts_event.dtype} with shape {series.ts_event.shape}"
        )
    n = series.ts_event.shape[0]
    columns = {
        "open": series.open,
        "high": series.high,
        "low": series.low,
        "close": series.close,
        "volume": series.volume,
    }
    for name, column in columns.items():
        if column.shape != (n,):
            raise DataError(f"column {name!r} has {column.shape[0]} rows, expected {n}")
        bad = np.flatnonzero(~np.isfinite(column))
        if bad.size:
            raise DataError(f"column {name!r} has NaN or infinite values (first at row {bad[0]})")
    _first_bad_row(series.high < series.low, "high < low")
    _first_bad_row(
        (series.open > series.high) | (series.open < series.low), "open outside [low, high]"
    )
    _first_bad_row(
        (series.close > series.high) | (series.close < series.low), "close outside [low, high]"
    )
    _first_bad_row(series.low <= 0, "non-positive price")
    _first_bad_row(series.volume < 0, "negative volume")
    if n > 1:
        steps = np.diff(series.ts_event)
        bad = np.flatnonzero(steps <= 0)
        if bad.size:
            row = int(bad[0]) + 1
            what = (
                "duplicate timestamp" if steps[bad[0]] == 0 else "timestamps not sorted ascending"
            )
            raise DataError(f"{what} at row {row}")


def _first_bad_row(mask: npt.NDArray[np.bool_], what: str, offset: int = 0) -> None:
    bad = np.flatnonzero(mask)
    if bad.size:
        affected = "1 row" if bad.size == 1 else f"{bad.size} rows"
        raise DataError(f"{what} at row {int(bad[0]) + offset} ({affected} affected)")
