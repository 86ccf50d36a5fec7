"""Incremental indicators against plain reference computations over whole windows."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ai_trader.strategies.indicators import (
    AverageTrueRange,
    MovingAverageCross,
    RelativeStrengthIndex,
    RollingMaximum,
    SimpleMovingAverage,
    rsi_from_averages,
)

prices = st.lists(
    st.floats(min_value=1.0, max_value=10_000.0, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=300,
)
periods = st.integers(min_value=2, max_value=30)


def reference_rsi(closes: list[float], period: int) -> list[float | None]:
    """Wilder's RSI written out plainly: seed with the mean of the first ``period``
    changes, then smooth."""
    out: list[float | None] = [None] * len(closes)
    changes = [b - a for a, b in pairwise(closes)]
    if len(changes) < period:
        return out
    gain = sum(max(c, 0.0) for c in changes[:period]) / period
    loss = sum(max(-c, 0.0) for c in changes[:period]) / period
    out[period] = rsi_value(gain, loss)
    for i in range(period, len(changes)):
        gain = (gain * (period - 1) + max(changes[i], 0.0)) / period
        loss = (loss * (period - 1) + max(-changes[i], 0.0)) / period
        out[i + 1] = rsi_value(gain, loss)
    return out


def rsi_value(gain: float, loss: float) -> float:
    if loss == 0:
        return 50.0 if gain == 0 else 100.0
    return 100.0 - 100.0 / (1.0 + gain / loss)


def reference_atr(bars: list[tuple[float, float, float]], period: int) -> list[float | None]:
    """Wilder's ATR: first true range is high - low; seed with the mean of ``period``."""
    ranges = [bars[0][0] - bars[0][1]] + [
        max(high - low, abs(high - bars[i - 1][2]), abs(low - bars[i - 1][2]))
        for i, (high, low, _) in enumerate(bars)
        if i > 0
    ]
    out: list[float | None] = [None] * len(bars)
    if len(bars) < period:
        return out
    atr = sum(ranges[:period]) / period
    out[period - 1] = atr
    for i in range(period, len(bars)):
        atr = (atr * (period - 1) + ranges[i]) / period
        out[i] = atr
    return out


@settings(max_examples=200)
@given(prices, periods)
def test_sma_equals_the_numpy_mean_of_the_window(closes: list[float], period: int) -> None:
    sma = SimpleMovingAverage(period)

    values = [sma.update(x) for x in closes]

    for i, value in enumerate(values):
        if i + 1 < period:
            assert value is None
        else:
            assert value is not None
            expected = float(np.mean(closes[i + 1 - period : i + 1]))
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_sma_over_a_long_series_does_not_drift() -> None:
    rng = np.random.default_rng(7)
    closes = (100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, 100_000)))).tolist()
    sma = SimpleMovingAverage(50)

    for x in closes:
        last = sma.update(x)

    assert last == pytest.approx(float(np.mean(closes[-50:])), abs=1e-9)


@settings(max_examples=200)
@given(prices, periods)
def test_rsi_matches_a_plain_wilder_implementation(closes: list[float], period: int) -> None:
    rsi = RelativeStrengthIndex(period)

    values = [rsi.update(x) for x in closes]

    for value, expected in zip(values, reference_rsi(closes, period), strict=True):
        if expected is None:
            assert value is None
        else:
            assert value is not None
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-9)
            assert 0.0 <= value <= 100.0


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=1.0, max_value=1_000.0),
            st.floats(min_value=0.0, max_value=50.0),
            st.floats(min_value=0.0, max_value=1.0),
        ),
        min_size=1,
        max_size=200,
    ),
    periods,
)
def test_atr_matches_a_plain_wilder_implementation(
    shapes: list[tuple[float, float, float]], period: int
) -> None:
    bars = [(low + spread, low, low + spread * where) for low, spread, where in shapes]
    atr = AverageTrueRange(period)

    values = [atr.update(high, low, close) for high, low, close in bars]

    for value, expected in zip(values, reference_atr(bars, period), strict=True):
        if expected is None:
            assert value is None
        else:
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(prices, periods)
def test_rolling_maximum_is_the_highest_of_the_previous_period_values(
    values: list[float], period: int
) -> None:
    rolling = RollingMaximum(period)

    for i, x in enumerate(values):
        result = rolling.update(x)
        assert result == (max(values[i - period : i]) if i >= period else None)


def test_rsi_hand_computed_period_two() -> None:
    rsi = RelativeStrengthIndex(2)

    values = [rsi.update(x) for x in (10.0, 11.0, 12.0, 11.0, 9.0)]

    # changes +1, +1 → 100; then -1 → gain 0.5 / loss 0.5 → 50; then -2 → 0.25 / 1.25
    assert values[:4] == [None, None, 100.0, 50.0]
    assert values[4] == pytest.approx(100.0 - 100.0 / 1.2)


def test_rsi_of_a_flat_series_is_fifty() -> None:
    rsi = RelativeStrengthIndex(3)

    assert [rsi.update(5.0) for _ in range(5)][-1] == 50.0


def test_atr_hand_computed() -> None:
    atr = AverageTrueRange(2)

    first = atr.update(11.0, 9.0, 10.0)  # TR 2
    second = atr.update(13.0, 10.0, 12.0)  # TR max(3, 3, 0) = 3 → (2 + 3) / 2
    third = atr.update(12.5, 11.5, 12.0)  # TR max(1, 0.5, 0.5) = 1 → (2.5 + 1) / 2

    assert (first, second, third) == (None, 2.5, 1.75)


@pytest.mark.parametrize(
    ("gain", "loss", "expected"),
    [(0.0, 0.0, 50.0), (1.0, 0.0, 100.0), (1.0, 1.0, 50.0), (1.0, 3.0, 25.0)],
)
def test_rsi_from_averages(gain: float, loss: float, expected: float) -> None:
    assert math.isclose(rsi_from_averages(gain, loss), expected)


@settings(max_examples=200, deadline=None)
@given(
    closes=st.lists(
        st.floats(min_value=1.0, max_value=1_000.0, allow_nan=False), min_size=1, max_size=200
    ),
    periods=st.tuples(st.integers(2, 20), st.integers(1, 30)),
)
def test_moving_average_cross_equals_two_smas_compared_bar_by_bar(
    closes: list[float], periods: tuple[int, int]
) -> None:
    fast_period, extra = periods
    cross = MovingAverageCross(fast_period, fast_period + extra)
    fast, slow = SimpleMovingAverage(fast_period), SimpleMovingAverage(fast_period + extra)
    before = (math.nan, math.nan)
    for close in closes:
        values = (fast.update(close), slow.update(close))
        now = tuple(math.nan if v is None else v for v in values)
        expected = 0
        if not any(math.isnan(v) for v in (*now, *before)):
            (f, s), (pf, ps) = now, before
            if f > s and pf <= ps:
                expected = 1
            elif f < s and pf >= ps:
                expected = -1
        before = now
        assert cross.update(close) == expected
