"""Live candles over the exchange's websocket (ccxt pro), the optional alternative to REST
polling (``USE_NOWNODES=1``; off by default).

A background thread runs an asyncio loop that ``watch_ohlcv``-s the symbol and puts every
candle that has *closed* on a queue (a websocket sends the forming candle many times; only
its last state, once the next one starts or the exchange marks it final, is a bar). The
feed yields from that queue, stamped at the close, never twice and never out of order. If
the socket drops, ccxt pro reconnects; if the stream stays silent the heartbeat goes stale
and ``/health`` says so.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

import ccxt
import ccxt.pro as ccxtpro

from ai_trader.adapters.data.candles import RejectedCandle, candle_bar
from ai_trader.adapters.data.download import rebase_urls
from ai_trader.domain.bar import Bar

logger = logging.getLogger(__name__)

MILLIS = 1_000_000
RECONNECT_SECONDS = 2.0
STOP_CHECK_SECONDS = 1.0


def open_ws_exchange(name: str, api_url: str | None = None, ws_url: str | None = None) -> Any:
    """A public ccxt pro client; ``api_url`` moves the REST host, ``ws_url`` the
    websocket host (both keep the exchange's paths)."""
    exchange_class = getattr(ccxtpro, name, None)
    if exchange_class is None:
        raise ccxt.ExchangeError(f"ccxt pro has no exchange {name!r}")
    exchange = exchange_class({"enableRateLimit": True})
    if name == "binance":
        exchange.options["fetchMarkets"] = {"types": ["spot"]}
        exchange.options["fetchCurrencies"] = False
        exchange.options["fetchMargins"] = False
    if api_url:
        rebase_urls(exchange, api_url)
    if ws_url:
        rebase_urls(exchange, ws_url, schemes=("ws", "wss"))
    return exchange


class WebsocketCandleFeed:
    def __init__(
        self,
        exchange: Any,
        symbol: str,
        timeframe: str,
        stop_event: threading.Event,
        *,
        after_ts_ns: int | None = None,
        max_bars: int | None = None,
        on_rejected: RejectedCandle | None = None,
    ) -> None:
        self._exchange = exchange
        self._on_rejected = on_rejected
        self._symbol = symbol
        self._timeframe = timeframe
        self._step_ms = int(exchange.parse_timeframe(timeframe)) * 1000
        self._stop = stop_event
        self._last_ns = after_ts_ns
        self._max_bars = max_bars
        self._bars: queue.Queue[Bar] = queue.Queue()
        self._thread: threading.Thread | None = None

    def join(self, timeout: float = 5.0) -> None:
        """Wait for the websocket thread to close the connection (after the stop event)."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self._symbol,)

    def __iter__(self) -> Iterator[Bar]:
        self._thread = threading.Thread(target=self._run, name="ws-candles", daemon=True)
        self._thread.start()
        produced = 0
        while not self._stop.is_set():
            try:
                bar = self._bars.get(timeout=0.2)
            except queue.Empty:
                continue
            if self._last_ns is not None and bar.ts_event <= self._last_ns:
                continue
            self._last_ns = bar.ts_event
            yield bar
            produced += 1
            if self._max_bars is not None and produced >= self._max_bars:
                self._stop.set()
                return

    def _run(self) -> None:
        asyncio.run(self._watch())

    async def _watch(self) -> None:
        forming: list[float] | None = None
        try:
            while not self._stop.is_set():
                try:
                    candles = await asyncio.wait_for(
                        self._exchange.watch_ohlcv(self._symbol, self._timeframe),
                        timeout=STOP_CHECK_SECONDS,
                    )
                except TimeoutError:
                    continue  # nothing new: look at the stop event again
                except (ccxt.NetworkError, OSError) as exc:
                    logger.warning("websocket %s: %s; reconnecting", self._symbol, exc)
                    await asyncio.sleep(RECONNECT_SECONDS)
                    continue
                for candle in candles:
                    if forming is not None and candle[0] > forming[0]:
                        bar = self._bar(forming)  # the next candle started
                        if bar is not None:
                            self._bars.put(bar)
                    if forming is None or candle[0] >= forming[0]:
                        forming = list(candle)
        finally:
            await self._exchange.close()

    def _bar(self, candle: list[float]) -> Bar | None:
        close_ns = (int(candle[0]) + self._step_ms) * MILLIS
        return candle_bar(self._symbol, close_ns, candle, self._on_rejected)
