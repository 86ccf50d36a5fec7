"""Indicator kernels: whole series at once, bit-identical to ``strategies.indicators``.

Each kernel performs the same floating-point operations, in the same order, as the
incremental class it mirrors, so the values are identical to the last bit and the signals
(comparisons of those values) are identical too. ``NaN`` marks a bar where the reference
class still returns ``None`` (not warmed up). Change one side, change the other: the tests
compare both on random series.
"""

from __future__ import annotations

import numpy as np

from ai_trader.domain.bar import FloatArray
from ai_trader.fastpath._jit import kernel, outer_kernel


@outer_kernel
def sma_series(values: FloatArray, period: int) -> FloatArray:
    """``SimpleMovingAverage``: a running sum, ``(sum + new) - oldest`` once warm."""
    n = values.shape[0]
    out = np.full(n, np.nan)
    total = 0.0
    for i in range(min(period, n)):
        total += values[i]
        if i == period - 1:
            out[i] = total / period
    for i in range(period, n):
        total = (total + values[i]) - values[i - period]
        out[i] = total / period
    return out


@kernel
def rsi_from_averages(avg_gain: float, avg_loss: float) -> float:
    if avg_loss == 0.0:
        return 50.0 if avg_gain == 0.0 else 100.0
    return 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)


@outer_kernel
def rsi_series(values: FloatArray, period: int) -> FloatArray:
    """``RelativeStrengthIndex``: Wilder's smoothing after a plain mean of ``period`` changes."""
    n = values.shape[0]
    out = np.full(n, np.nan)
    avg_gain = 0.0
    avg_loss = 0.0
    for i in range(1, n):
        change = values[i] - values[i - 1]
        gain = change if change > 0.0 else 0.0
        loss = -change if change < 0.0 else 0.0
        count = i  # changes seen so far, this one included
        if count < period:
            avg_gain += gain
            avg_loss += loss
            continue
        if count == period:
            avg_gain = (avg_gain + gain) / period
            avg_loss = (avg_loss + loss) / period
        else:
            avg_gain = (avg_gain * (period - 1) + gain) / period
            avg_loss = (avg_loss * (period - 1) + loss) / period
        out[i] = rsi_from_averages(avg_gain, avg_loss)
    return out


@outer_kernel
def atr_series(high: FloatArray, low: FloatArray, close: FloatArray, period: int) -> FloatArray:
    """``AverageTrueRange``: Wilder's ATR; the first bar's true range is high - low."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    total = 0.0
    value = 0.0
    for i in range(n):
        true_range = high[i] - low[i]
        if i > 0:
            previous = close[i - 1]
            true_range = max(true_range, abs(high[i] - previous), abs(low[i] - previous))
        count = i + 1
        if count < period:
            total += true_range
            continue
        if count == period:
            value = (total + true_range) / period
        else:
            value = (value * (period - 1) + true_range) / period
        out[i] = value
    return out


@outer_kernel
def rolling_max_series(values: FloatArray, period: int) -> FloatArray:
    """``RollingMaximum``: the highest of the ``period`` values *before* each one.

    A monotonic queue of indexes (values decreasing from the front) gives the maximum in
    O(1) per bar; a maximum is exact whatever the algorithm, so it equals ``max(window)``.
    """
    n = values.shape[0]
    out = np.full(n, np.nan)
    queue = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    for i in range(n):
        if i >= period:
            while queue[head] < i - period:
                head += 1
            out[i] = values[queue[head]]
        while tail > head and values[queue[tail - 1]] <= values[i]:
            tail -= 1
        queue[tail] = i
        tail += 1
    return out
