"""Incremental indicators, one ``update`` per bar.

The arithmetic here is the reference: the fast path (``ai_trader.fastpath``) repeats
exactly the same floating-point operations in the same order, so both give bit-identical
values and therefore identical trades. Change one, change the other.
"""

from __future__ import annotations

import math
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


class MovingAverageCross:
    """A fast and a slow ``SimpleMovingAverage`` of the same values, updated together.

    ``update`` returns 1 when fast > slow now and fast <= slow on the previous value, -1
    when fast < slow now and fast >= slow before, else 0 (also while an average, now or
    before, is undefined). Once both are warm it runs their recurrence inline — the same
    operations in the same order — because this is the per-bar path of ``sma_cross``.
    """

    __slots__ = (
        "_fast_period",
        "_fast_sum",
        "_fast_window",
        "_previous_fast",
        "_previous_slow",
        "_slow_period",
        "_slow_sum",
        "_slow_window",
        "_warm",
        "fast",
        "slow",
    )

    def __init__(self, fast_period: int, slow_period: int) -> None:
        self.fast = SimpleMovingAverage(fast_period)
        self.slow = SimpleMovingAverage(slow_period)
        self._fast_period = fast_period
        self._slow_period = slow_period
        self._fast_window = self.fast._window
        self._slow_window = self.slow._window
        self._fast_sum = self._slow_sum = 0.0
        self._previous_fast = math.nan  # NaN: undefined (fewer values than the period)
        self._previous_slow = math.nan
        self._warm = False

    def update(self, x: float) -> int:
        if not self._warm:
            return self._warm_up(x)
        fast_window = self._fast_window
        slow_window = self._slow_window
        fast_sum = self._fast_sum = (self._fast_sum + x) - fast_window[0]
        slow_sum = self._slow_sum = (self._slow_sum + x) - slow_window[0]
        fast_window.append(x)
        slow_window.append(x)
        fast = fast_sum / self._fast_period
        slow = slow_sum / self._slow_period
        previous_fast = self._previous_fast
        previous_slow = self._previous_slow
        self._previous_fast = fast
        self._previous_slow = slow
        if fast > slow:
            return 1 if previous_fast <= previous_slow else 0
        if fast < slow:
            return -1 if previous_fast >= previous_slow else 0
        return 0

    def _warm_up(self, x: float) -> int:
        previous_fast, previous_slow = self._previous_fast, self._previous_slow
        fast = self.fast.update(x)
        slow = self.slow.update(x)
        self._previous_fast = math.nan if fast is None else fast
        self._previous_slow = math.nan if slow is None else slow
        if fast is None or slow is None:
            return 0
        # both averages are full from here on: take over their running sums
        self._fast_sum, self._slow_sum = self.fast._sum, self.slow._sum
        if math.isnan(previous_fast) or math.isnan(previous_slow):
            return 0
        self._warm = True
        if fast > slow:
            return 1 if previous_fast <= previous_slow else 0
        if fast < slow:
            return -1 if previous_fast >= previous_slow else 0
        return 0


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
