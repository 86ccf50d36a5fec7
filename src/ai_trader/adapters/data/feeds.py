"""Market data feeds: replay of bar series, a live-paced synthetic feed, a bounded bar store.

``BarSeriesFeed`` and ``LivePacedFeed`` implement the ``MarketDataFeed`` port; the engine just
iterates either. ``BoundedBarWindow`` keeps the most recent bars of one symbol and never more
than its ``maxlen`` (SPEC DAT-1: bars kept in memory are bounded, ``MAX_BARS_IN_MEMORY``).
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from itertools import chain, islice

import numpy as np

from ai_trader.adapters.data.synthetic import SyntheticBarStream
from ai_trader.core.clock import NANOS_PER_SECOND, Clock
from ai_trader.core.errors import ConfigurationError, DataError
from ai_trader.domain.bar import Bar, BarSeries

MAX_BARS_IN_MEMORY = 10_000


def _merge_key(bar: Bar) -> tuple[int, str]:
    return bar.ts_event, bar.symbol


class BarSeriesFeed:
    """Replays one or more ``BarSeries`` in timestamp order (ties broken by symbol).

    ``max_bars_in_memory`` bounds how many bars of a series are turned into Python objects at
    a time: the series is replayed in slices of that size. ``None`` converts a whole series at
    once, which is fastest.
    """

    def __init__(self, series: Sequence[BarSeries], max_bars_in_memory: int | None = None) -> None:
        if not series:
            raise ConfigurationError("BarSeriesFeed needs at least one BarSeries")
        symbols = tuple(item.symbol for item in series)
        if len(set(symbols)) != len(symbols):
            raise DataError(f"BarSeriesFeed: each symbol may appear once, got {list(symbols)}")
        if max_bars_in_memory is not None and max_bars_in_memory < 1:
            raise ConfigurationError(f"max_bars_in_memory must be >= 1, got {max_bars_in_memory}")
        self._series = tuple(series)
        self._symbols = symbols
        self._chunk = max_bars_in_memory

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    def __len__(self) -> int:
        return sum(len(item) for item in self._series)

    def __iter__(self) -> Iterator[Bar]:
        if len(self._series) == 1:
            return self._bars(self._series[0])
        return heapq.merge(*(self._bars(item) for item in self._series), key=_merge_key)

    def _bars(self, series: BarSeries) -> Iterator[Bar]:
        if self._chunk is None or len(series) <= self._chunk:
            return series.iter_bars()
        starts = range(0, len(series), self._chunk)
        return chain.from_iterable(
            series.slice(start, start + self._chunk).iter_bars() for start in starts
        )


class BoundedBarWindow:
    """The latest bars of one symbol, at most ``maxlen`` of them (the oldest fall out)."""

    def __init__(self, maxlen: int = MAX_BARS_IN_MEMORY) -> None:
        if maxlen < 1:
            raise ConfigurationError(f"maxlen must be >= 1, got {maxlen}")
        self._bars: deque[Bar] = deque(maxlen=maxlen)

    @property
    def maxlen(self) -> int:
        return self._bars.maxlen or 0

    def __len__(self) -> int:
        return len(self._bars)

    def append(self, bar: Bar) -> None:
        """Add the newest bar; it must be for the same symbol and later than the last one."""
        if self._bars:
            last = self._bars[-1]
            if bar.symbol != last.symbol:
                raise DataError(f"bar window holds {last.symbol!r}, got a bar for {bar.symbol!r}")
            if bar.ts_event <= last.ts_event:
                raise DataError(
                    f"{bar.symbol} bar at {bar.ts_event} is not after the last one "
                    f"({last.ts_event})"
                )
        self._bars.append(bar)

    def latest(self, n: int) -> list[Bar]:
        """The ``n`` most recent bars, oldest first (fewer if the window holds fewer)."""
        if n <= 0:
            return []
        return list(islice(reversed(self._bars), n))[::-1]

    def as_series(self) -> BarSeries:
        """Everything the window holds, as a validated ``BarSeries``."""
        if not self._bars:
            raise DataError("bar window is empty: there is no symbol to build a series for")
        _, ts_event, open_, high, low, close, volume = zip(*self._bars, strict=True)
        return BarSeries(
            self._bars[0].symbol,
            np.array(ts_event, dtype=np.int64),
            np.array(open_, dtype=np.float64),
            np.array(high, dtype=np.float64),
            np.array(low, dtype=np.float64),
            np.array(close, dtype=np.float64),
            np.array(volume, dtype=np.float64),
        )


class LivePacedFeed:
    """Yields one synthetic bar every ``bar_seconds`` of wall time until stopped.

    Each bar's ``ts_event`` is the clock time at which it closed. Waiting is done with
    ``stop_event.wait`` so setting the event (Ctrl-C handler, service shutdown) ends the feed
    at once. If the consumer falls behind, the next bar closes immediately and the cadence
    restarts from there: bars are never produced in a burst to catch up.
    """

    def __init__(
        self,
        stream: SyntheticBarStream,
        clock: Clock,
        bar_seconds: float,
        stop_event: threading.Event,
        max_bars: int | None = None,
    ) -> None:
        if not bar_seconds > 0:
            raise ConfigurationError(f"bar_seconds must be > 0, got {bar_seconds}")
        if max_bars is not None and max_bars < 0:
            raise ConfigurationError(f"max_bars must be >= 0, got {max_bars}")
        self._stream = stream
        self._clock = clock
        self._bar_ns = round(bar_seconds * NANOS_PER_SECOND)
        self._stop_event = stop_event
        self._max_bars = max_bars

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self._stream.symbol,)

    def __iter__(self) -> Iterator[Bar]:
        produced = 0
        last_close = self._clock.timestamp_ns()
        while self._max_bars is None or produced < self._max_bars:
            remaining_ns = last_close + self._bar_ns - self._clock.timestamp_ns()
            if self._stop_event.wait(max(remaining_ns, 0) / NANOS_PER_SECOND):
                return
            # The wall clock may step backwards (NTP); bar times must still increase.
            last_close = max(self._clock.timestamp_ns(), last_close + 1)
            produced += 1
            yield self._stream.next_bar(last_close)
