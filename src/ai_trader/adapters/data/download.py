"""Historical bars from an exchange (SPEC DAT-1): ccxt OHLCV, paginated and resumable.

``download_ohlcv(exchange, request)`` asks the exchange for ``page_limit`` candles at a
time from ``since`` (or, when the file already exists, from the bar after its last one),
until ``until`` or the present. What is downloaded is saved to the Parquet file every
``checkpoint_pages`` pages and when it stops for any reason — an interrupted download
resumes where it stopped and never writes a bar twice. The exchange's own rate limiter is
on (``enableRateLimit``); transient network errors are retried with backoff.

Candles are stamped by the exchange at their open; a bar here is stamped at its close
(``open time + timeframe``), like every bar in this system.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import ccxt
import numpy as np

from ai_trader.adapters.data.files import load_bars, save_bars
from ai_trader.core.errors import ConfigurationError, DataError
from ai_trader.domain.bar import BarSeries

logger = logging.getLogger(__name__)

MILLIS = 1_000_000  # nanoseconds per millisecond
RETRIES = 5


@dataclass(frozen=True, slots=True)
class DownloadRequest:
    symbol: str
    timeframe: str
    since: datetime
    output: Path
    until: datetime | None = None
    page_limit: int = 1000
    checkpoint_pages: int = 10


@dataclass(frozen=True, slots=True)
class DownloadResult:
    path: Path
    bars_before: int
    bars_added: int
    pages: int
    first_ts_ns: int | None
    last_ts_ns: int | None

    @property
    def bars_total(self) -> int:
        return self.bars_before + self.bars_added


Progress = Callable[[int, int], None]
"""Called with (bars so far, bars expected) after each page."""


def open_exchange(name: str, api_url: str | None = None, *, futures: bool = False) -> ccxt.Exchange:
    """A public (no keys) ccxt client of ``name``; ``api_url`` sends every REST call to
    another host (a mirror, or a server of recorded responses) keeping the paths.
    ``futures``: USDⓈ-M perpetuals (symbols like ``BTC/USDT:USDT``) instead of spot."""
    exchange_class = getattr(ccxt, name, None)
    if exchange_class is None or not isinstance(exchange_class, type):
        raise ConfigurationError(
            f"unknown exchange {name!r}; ccxt knows e.g. binance, kraken, coinbase"
        )
    exchange: ccxt.Exchange = exchange_class({"enableRateLimit": True, "timeout": 15_000})
    if name == "binance":  # one market kind: no other endpoints at load_markets
        exchange.options["fetchMarkets"] = {"types": ["linear" if futures else "spot"]}
        if futures:
            exchange.options["defaultType"] = "swap"
        exchange.options["fetchCurrencies"] = False
        exchange.options["fetchMargins"] = False
    if api_url:
        rebase_urls(exchange, api_url)
    return exchange


def rebase_urls(
    exchange: ccxt.Exchange, base_url: str, schemes: tuple[str, ...] = ("http", "https")
) -> None:
    """Point every endpoint of ``exchange`` whose scheme is one of ``schemes`` at
    ``base_url``'s scheme and host, keeping the paths."""
    base = urlsplit(base_url)
    if base.scheme not in schemes or not base.netloc:
        wanted = "|".join(schemes)
        raise ConfigurationError(f"the URL must be {wanted}://host[:port], got {base_url!r}")
    prefixes = tuple(f"{scheme}://" for scheme in schemes)

    def rebase(value: object) -> object:
        if isinstance(value, str) and value.startswith(prefixes):
            parts = urlsplit(value)
            return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
        if isinstance(value, dict):
            return {key: rebase(item) for key, item in value.items()}
        return value

    exchange.urls["api"] = rebase(exchange.urls["api"])


def download_ohlcv(
    exchange: ccxt.Exchange,
    request: DownloadRequest,
    *,
    on_progress: Progress | None = None,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> DownloadResult:
    """Download (or continue downloading) ``request.symbol`` into ``request.output``."""
    _check_timeframe(exchange, request.timeframe)
    exchange.load_markets()
    if request.symbol not in exchange.markets:
        raise ConfigurationError(
            f"{exchange.id} has no market {request.symbol!r} (e.g. {_examples(exchange)})"
        )
    step_ms = int(exchange.parse_timeframe(request.timeframe)) * 1000
    existing = _existing(request.output, request.symbol)
    start_ms = int(request.since.timestamp() * 1000)
    if existing is not None and len(existing):
        start_ms = max(start_ms, int(existing.ts_event[-1] // MILLIS))  # last close = next open
    end_ms = int((request.until.timestamp() if request.until else now()) * 1000)
    if end_ms <= start_ms:
        raise ConfigurationError("nothing to download: --until is not after --since")
    expected = max(1, (end_ms - start_ms) // step_ms)
    rows: list[list[float]] = []
    pages = 0
    cursor = start_ms
    try:
        while cursor < end_ms:
            page = _fetch_page(exchange, request, cursor, sleep)
            pages += 1
            fresh = [row for row in page if cursor <= row[0] < end_ms]
            if not fresh:
                break
            rows.extend(fresh)
            cursor = int(fresh[-1][0]) + step_ms
            if on_progress is not None:
                on_progress(len(rows), expected)
            if pages % request.checkpoint_pages == 0:
                existing = _save(request, existing, rows, step_ms)
                rows = []
    finally:
        existing = _save(request, existing, rows, step_ms)
    total = len(existing) if existing is not None else 0
    before = total - _added(existing, start_ms)
    return DownloadResult(
        path=request.output,
        bars_before=before,
        bars_added=total - before,
        pages=pages,
        first_ts_ns=int(existing.ts_event[0]) if existing is not None and total else None,
        last_ts_ns=int(existing.ts_event[-1]) if existing is not None and total else None,
    )


def _fetch_page(
    exchange: ccxt.Exchange, request: DownloadRequest, since_ms: int, sleep: Callable[[float], None]
) -> list[list[float]]:
    for attempt in range(RETRIES):
        try:
            page: list[list[float]] = exchange.fetch_ohlcv(
                request.symbol, request.timeframe, since=since_ms, limit=request.page_limit
            )
            return page
        except ccxt.OperationFailed as exc:  # network, timeouts, 5xx, rate limits: transient
            if attempt == RETRIES - 1:
                raise DataError(f"{exchange.id} kept failing: {exc}") from exc
            delay = 2.0**attempt
            logger.warning("%s: %s; retrying in %.0fs", exchange.id, type(exc).__name__, delay)
            sleep(delay)
        except ccxt.BaseError as exc:
            raise DataError(f"{exchange.id} refused the request: {exc}") from exc
    raise AssertionError("unreachable")


def _save(
    request: DownloadRequest, existing: BarSeries | None, rows: list[list[float]], step_ms: int
) -> BarSeries | None:
    if not rows:
        return existing
    table = np.asarray(rows, dtype=np.float64)
    close_ts = (table[:, 0].astype(np.int64) + step_ms) * MILLIS
    new = BarSeries(
        symbol=request.symbol,
        ts_event=close_ts,
        open=table[:, 1],
        high=table[:, 2],
        low=table[:, 3],
        close=table[:, 4],
        volume=table[:, 5],
    )
    merged = _append(existing, new)
    request.output.parent.mkdir(parents=True, exist_ok=True)
    save_bars(merged, request.output)
    return merged


def _append(existing: BarSeries | None, new: BarSeries) -> BarSeries:
    if existing is None or not len(existing):
        return new
    keep = new.ts_event > existing.ts_event[-1]
    return BarSeries(
        symbol=existing.symbol,
        ts_event=np.concatenate([existing.ts_event, new.ts_event[keep]]),
        open=np.concatenate([existing.open, new.open[keep]]),
        high=np.concatenate([existing.high, new.high[keep]]),
        low=np.concatenate([existing.low, new.low[keep]]),
        close=np.concatenate([existing.close, new.close[keep]]),
        volume=np.concatenate([existing.volume, new.volume[keep]]),
    )


def _existing(path: Path, symbol: str) -> BarSeries | None:
    if not path.exists():
        return None
    return load_bars(path, symbol)


def _added(series: BarSeries | None, start_ms: int) -> int:
    if series is None:
        return 0
    return int((series.ts_event > start_ms * MILLIS).sum())


def _check_timeframe(exchange: ccxt.Exchange, timeframe: str) -> None:
    known = exchange.timeframes or {}
    if timeframe not in known:
        raise ConfigurationError(
            f"{exchange.id} has no timeframe {timeframe!r}; it has {', '.join(list(known)[:12])}"
        )


def _examples(exchange: ccxt.Exchange) -> str:
    return ", ".join(sorted(exchange.markets)[:3])
