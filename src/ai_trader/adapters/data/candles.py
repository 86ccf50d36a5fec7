"""Exchange candles to bars. A candle that is not a valid bar (NaN, high < low, negative
volume …) is skipped and handed to ``on_rejected`` so data quality can report it — one bad
print must not end a feed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from ai_trader.core.errors import DataError
from ai_trader.domain.bar import Bar

logger = logging.getLogger(__name__)

RejectedCandle = Callable[[str, int, float, float, float, float, float], None]
"""Called with ``(symbol, close_ns, open, high, low, close, volume)`` of a skipped candle."""


def candle_bar(
    symbol: str, close_ns: int, row: Sequence[float], on_rejected: RejectedCandle | None
) -> Bar | None:
    """The bar of one ccxt OHLCV row (``[open_ms, o, h, l, c, v]``), or ``None`` when the
    row is corrupt."""
    values = tuple(_number(value) for value in row[1:6])
    try:
        return Bar.create(symbol, close_ns, *values)
    except DataError as exc:
        logger.warning("%s: corrupt candle skipped: %s", symbol, exc)
        if on_rejected is not None:
            on_rejected(symbol, close_ns, *values)
        return None


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")  # a missing or non-numeric field is as corrupt as NaN
