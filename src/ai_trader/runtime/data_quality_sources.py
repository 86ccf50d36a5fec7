"""Where ``ai-trader data validate`` gets bars from, and the one-shot validation itself.

Rows are read *raw* — without the checks ``BarSeries`` and ``Bar.create`` apply — so a
corrupt row is reported as an issue instead of stopping the read:

- :func:`read_file_rows`: a CSV or Parquet bar file (the columns and timestamp forms of
  :mod:`ai_trader.adapters.data.files`);
- :func:`fetch_exchange_rows`: the latest closed candles of a ccxt exchange, stamped at
  their close like every bar here (the candle still forming is left out);
- :func:`ledger_rows`: the bars the paper venue traded, from its ledger.

:func:`validate_latest` runs a :class:`DataQualityMonitor` over the latest ``bars`` rows of
each symbol; the rows before them (up to ``jump_min_samples + 1``) only fill the
price-jump window and are not judged themselves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ai_trader.adapters.data import files
from ai_trader.adapters.sim.ledger import VenueLedger
from ai_trader.core.clock import NANOS_PER_SECOND
from ai_trader.core.errors import DataError
from ai_trader.runtime.data_quality import (
    DataQualityConfig,
    DataQualityMonitor,
    DataQualityReport,
)

if TYPE_CHECKING:
    import ccxt

__all__ = [
    "RawRows",
    "Row",
    "fetch_exchange_rows",
    "ledger_rows",
    "median_step_seconds",
    "read_file_rows",
    "validate_latest",
]

MILLIS = 1_000_000  # nanoseconds per millisecond
PAGE_LIMIT = 1000


Row = tuple[int, float, float, float, float, float]  # ts_event (ns), open, high, low, close, volume


@dataclass(frozen=True, slots=True)
class RawRows:
    """Unvalidated OHLCV rows of one symbol, in the order the source gave them."""

    symbol: str
    rows: tuple[Row, ...]

    def __len__(self) -> int:
        return len(self.rows)

    def latest(self, count: int) -> RawRows:
        return RawRows(self.symbol, self.rows[-count:] if count > 0 else ())


def read_file_rows(path: Path, symbol: str | None = None) -> RawRows:
    """Every row of a CSV/Parquet bar file, unvalidated; ``symbol`` defaults to the file
    stem upper-cased. A file that cannot be read at all raises ``DataError``."""
    path = Path(path)
    if path.suffix.lower() not in files.ALLOWED_EXTENSIONS:
        allowed = ", ".join(files.ALLOWED_EXTENSIONS)
        raise DataError(f"{path.name}: unknown bar file type {path.suffix!r}; allowed: {allowed}")
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise DataError(f"{path.name}: file is empty")
    name = path.name
    # the column handling of adapters.data.files, without BarSeries' validation
    is_csv = path.suffix.lower() in files.CSV_EXTENSIONS
    table = (files._read_csv if is_csv else files._read_parquet)(path)
    if table.num_rows == 0:
        raise DataError(f"{name}: file has no data rows")
    actual = files._pick_names(table.column_names, name)
    unit = files._unit_hint(table.schema.field(actual["timestamp"]))
    timestamps = files._timestamps_ns(table.column(actual["timestamp"]), unit, name)
    values = [files._floats(table.column(actual[key]), key, name) for key in files.VALUE_COLUMNS]
    rows = zip(timestamps.tolist(), *(column.tolist() for column in values), strict=True)
    return RawRows(symbol or path.stem.upper(), tuple(rows))


def fetch_exchange_rows(
    exchange: ccxt.Exchange, symbol: str, timeframe: str, count: int, now_ms: int
) -> RawRows:
    """The latest ``count`` candles of ``symbol`` that closed by ``now_ms``."""
    import ccxt  # half a second to import: only when an exchange is asked

    step_ms = int(exchange.parse_timeframe(timeframe)) * 1000
    cursor = (now_ms // step_ms - count) * step_ms
    fetched: list[list[Any]] = []
    try:
        while len(fetched) < count + 1:
            page = exchange.fetch_ohlcv(symbol, timeframe, since=cursor, limit=PAGE_LIMIT)
            fresh = [row for row in page if row and int(row[0]) >= cursor]
            fetched.extend(fresh)
            if not fresh or int(fresh[-1][0]) + step_ms > now_ms:
                break
            cursor = int(fresh[-1][0]) + step_ms
    except ccxt.BaseError as exc:
        raise DataError(
            f"{exchange.id}: fetching {symbol} {timeframe} candles failed: {exc}"
        ) from exc
    rows: list[Row] = []
    for row in fetched:
        close_ms = int(row[0]) + step_ms
        if close_ms <= now_ms:
            o, h, low, c, v = (_number(value) for value in (list(row[1:6]) + [None] * 5)[:5])
            rows.append((close_ms * MILLIS, o, h, low, c, v))
    return RawRows(symbol, tuple(rows[-count:]))


def ledger_rows(path: Path, symbol: str, count: int) -> RawRows:
    """The last ``count`` bars of ``symbol`` the paper venue traded (its ledger file)."""
    if not path.is_file():
        raise DataError(f"no paper venue ledger at {path}")
    ledger = VenueLedger(path)
    try:
        bars = ledger.recent_bars(symbol, count)
    finally:
        ledger.close()
    return RawRows(
        symbol, tuple((b.ts_event, b.open, b.high, b.low, b.close, b.volume) for b in bars)
    )


def median_step_seconds(sources: Sequence[RawRows]) -> float | None:
    """The usual spacing of the rows (median positive step), or ``None`` if unknown."""
    steps = [
        np.diff(np.asarray([row[0] for row in source.rows], dtype=np.int64))
        for source in sources
        if len(source) > 1
    ]
    positive = np.concatenate(steps)[np.concatenate(steps) > 0] if steps else np.array([])
    if positive.size == 0:
        return None
    return float(np.median(positive)) / NANOS_PER_SECOND


def validate_latest(
    sources: Mapping[str, RawRows],
    *,
    bars: int,
    bar_seconds: float,
    now_ns: int,
    config: DataQualityConfig | None = None,
) -> DataQualityReport:
    """Check the latest ``bars`` rows of each symbol in one cycle at ``now_ns``."""
    config = config or DataQualityConfig()
    monitor = DataQualityMonitor(
        config, bar_seconds=bar_seconds, symbols=tuple(sources), log_transitions=False
    )
    for symbol, source in sources.items():
        history = source.rows[:-bars][-(config.jump_min_samples + 1) :]
        for row in history:
            monitor.observe_raw(symbol, *row)
    monitor.forget_pending()
    for symbol, source in sources.items():
        for row in source.latest(bars).rows:
            monitor.observe_raw(symbol, *row)
    return monitor.run_cycle(now_ns)


def _number(value: object) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
