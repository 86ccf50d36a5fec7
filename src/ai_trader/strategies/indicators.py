"""Incremental indicators, one ``update`` per bar.

The arithmetic here is the reference: the fast path (``ai_trader.fastpath``) repeats
exactly the same floating-point operations in the same order, so both give bit-identical
values and therefore identical trades. Change one, change the other.
"""

from __future__ import annotations

from collections import deque


class SimpleMovingAverage:
    """Mean of the last ``period`` values, kept as a running sum: ``(sum + new) - oldest``."""

    __slots__ = ("_sum", "_window", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self._window: deque[float] = deque(maxlen=period)
        self._sum = 0.0
        self.value: float | None = None

    def update(self, x: float) -> float | None:
        window = self._window
        if self.value is not None:  # warm: the deque drops the oldest value on append
            total = self._sum = (self._sum + x) - window[0]
            window.append(x)
            value = self.value = total / self.period
            return value
        self._sum += x
        window.append(x)
        if len(window) == self.period:
            self.value = self._sum / self.period
        return self.value


class RelativeStrengthIndex:
    """Wilder's RSI: the first average is the plain mean of ``period`` changes, then
    ``avg = (avg * (period - 1) + change) / period``. 100 when there were no losses
    (50 when there was no movement at all)."""

    __slots__ = ("_avg_gain", "_avg_loss", "_count", "_previous", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self._previous: float | None = None
        self._count = 0
        self._avg_gain = 0.0
        self._avg_loss = 0.0
        self.value: float | None = None

    def update(self, x: float) -> float | None:
        previous = self._previous
        self._previous = x
        if previous is None:
            return None
        change = x - previous
        gain = change if change > 0.0 else 0.0
        loss = -change if change < 0.0 else 0.0
        period = self.period
        self._count += 1
        if self._count < period:
            self._avg_gain += gain
            self._avg_loss += loss
            return None
        if self._count == period:
            self._avg_gain = (self._avg_gain + gain) / period
            self._avg_loss = (self._avg_loss + loss) / period
        else:
            self._avg_gain = (self._avg_gain * (period - 1) + gain) / period
            self._avg_loss = (self._avg_loss * (period - 1) + loss) / period
        self.value = rsi_from_averages(self._avg_gain, self._avg_loss)
        return self.value


def rsi_from_averages(avg_gain: float, avg_loss: float) -> float:
    if avg_loss == 0.0:
        return 50.0 if avg_gain == 0.0 else 100.0
    return 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)


class AverageTrueRange:
    """Wilder's ATR. True range of the first bar is high - low; the first ATR is the plain
    mean of ``period`` true ranges, then ``atr = (atr * (period - 1) + tr) / period``."""

    __slots__ = ("_count", "_previous_close", "_sum", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self._previous_close: float | None = None
        self._count = 0
        self._sum = 0.0
        self.value: float | None = None

    def update(self, high: float, low: float, close: float) -> float | None:
        previous = self._previous_close
        self._previous_close = close
        true_range = (
            high - low
            if previous is None
            else max(high - low, abs(high - previous), abs(low - previous))
        )
        period = self.period
        self._count += 1
        if self._count < period:
            self._sum += true_range
            return None
        if self._count == period:
            self.value = (self._sum + true_range) / period
        else:
            assert self.value is not None
            self.value = (self.value * (period - 1) + true_range) / period
        return self.value


class RollingMaximum:
    """Highest of the previous ``period`` values, *excluding* the one being added now."""

    __slots__ = ("_window", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self._window: deque[float] = deque(maxlen=period)
        self.value: float | None = None

    def update(self, x: float) -> float | None:
        window = self._window
        self.value = max(window) if len(window) == self.period else None
        window.append(x)
        return self.value
