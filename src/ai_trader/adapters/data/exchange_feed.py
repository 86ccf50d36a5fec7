"""Live bars from an exchange's REST API: the candles that have closed, polled.

``ExchangePollingFeed`` asks for the latest candles every ``poll_seconds`` and yields each
one once it has closed (its open time plus the timeframe is in the past), stamped at its
close like every bar here. Network trouble is logged and retried with backoff; the feed
never yields a candle twice and never out of order. It ends when ``stop_event`` is set or
after ``max_bars``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

import ccxt

from ai_trader.adapters.data.candles import RejectedCandle, candle_bar
from ai_trader.core.clock import Clock
from ai_trader.domain.bar import Bar

logger = logging.getLogger(__name__)

MILLIS = 1_000_000
MAX_BACKOFF_SECONDS = 60.0


class ExchangePollingFeed:
    def __init__(
        self,
        exchange: ccxt.Exchange,
        symbol: str,
        timeframe: str,
        clock: Clock,
        stop_event: threading.Event,
        *,
        poll_seconds: float = 5.0,
        after_ts_ns: int | None = None,
        max_bars: int | None = None,
        on_poll: Callable[[], None] | None = None,
        on_rejected: RejectedCandle | None = None,
    ) -> None:
        self._exchange = exchange
        self._symbol = symbol
        self._timeframe = timeframe
        self._step_ms = int(exchange.parse_timeframe(timeframe)) * 1000
        self._clock = clock
        self._stop = stop_event
        self._poll = poll_seconds
        self._last_ns = after_ts_ns
        self._max_bars = max_bars
        self._on_poll = on_poll
        self._on_rejected = on_rejected

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self._symbol,)

    def __iter__(self) -> Iterator[Bar]:
        produced = 0
        wait = self._poll
        while not self._stop.is_set():
            try:
                bars = self.closed_bars()
                wait = self._poll
            except (ccxt.OperationFailed, OSError) as exc:
                wait = min(wait * 2, MAX_BACKOFF_SECONDS)
                logger.warning(
                    "%s: polling %s failed (%s); retry in %.0fs",
                    self._exchange.id,
                    self._symbol,
                    exc,
                    wait,
                )
                bars = []
            for bar in bars:
                self._last_ns = bar.ts_event
                yield bar
                produced += 1
                if self._max_bars is not None and produced >= self._max_bars:
                    return
            if self._on_poll is not None:
                self._on_poll()
            if self._stop.wait(wait):
                return

    def closed_bars(self, limit: int = 50) -> list[Bar]:
        """The candles closed since the last one yielded (oldest first)."""
        since = None if self._last_ns is None else self._last_ns // MILLIS
        rows = self._exchange.fetch_ohlcv(self._symbol, self._timeframe, since=since, limit=limit)
        now_ms = self._clock.timestamp_ns() // MILLIS
        bars = []
        for row in rows:
            close_ms = int(row[0]) + self._step_ms
            close_ns = close_ms * MILLIS
            if close_ms > now_ms or (self._last_ns is not None and close_ns <= self._last_ns):
                continue
            bar = candle_bar(self._symbol, close_ns, row, self._on_rejected)
            if bar is None:  # reported; not fetched again
                self._last_ns = max(self._last_ns or 0, close_ns)
                continue
            bars.append(bar)
        return bars
