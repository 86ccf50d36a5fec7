"""The indicator kernels equal the engine's incremental indicators to the last bit."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from ai_trader.adapters.data import SyntheticMarketConfig, generate_bars
from ai_trader.fastpath._indicators import (
    atr_series,
    rolling_max_series,
    rsi_series,
    sma_series,
)
from ai_trader.strategies.indicators import (
    AverageTrueRange,
    RelativeStrengthIndex,
    RollingMaximum,
    SimpleMovingAverage,
)

prices = st.lists(
    st.floats(min_value=0.01, max_value=10_000.0, allow_nan=False, allow_infinity=False),
    min_size=0,
    max_size=400,
)
periods = st.integers(min_value=1, max_value=40)


def as_column(values: list[float | None]) -> npt.NDArray[np.float64]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def assert_bit_identical(ours: npt.NDArray[np.float64], reference: list[float | None]) -> None:
    expected = as_column(reference)
    assert ours.shape == expected.shape
    assert np.array_equal(np.isnan(ours), np.isnan(expected))
    assert ours.tobytes() == expected.tobytes()  # same bits, not merely close


@settings(max_examples=150, deadline=None)
@given(values=prices, period=periods)
def test_sma_series_when_random_values_then_bit_identical_to_SimpleMovingAverage(
    values: list[float], period: int
) -> None:
    reference = SimpleMovingAverage(period)

    ours = sma_series(np.array(values, dtype=np.float64), period)

    assert_bit_identical(ours, [reference.update(v) for v in values])


@settings(max_examples=150, deadline=None)
@given(values=prices, period=periods.filter(lambda p: p >= 2))
def test_rsi_series_when_random_values_then_bit_identical_to_RelativeStrengthIndex(
    values: list[float], period: int
) -> None:
    reference = RelativeStrengthIndex(period)

    ours = rsi_series(np.array(values, dtype=np.float64), period)

    assert_bit_identical(ours, [reference.update(v) for v in values])


@settings(max_examples=150, deadline=None)
@given(values=prices, period=periods)
def test_rolling_max_series_when_random_values_then_equal_to_RollingMaximum(
    values: list[float], period: int
) -> None:
    reference = RollingMaximum(period)

    ours = rolling_max_series(np.array(values, dtype=np.float64), period)

    assert_bit_identical(ours, [reference.update(v) for v in values])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), period=st.integers(2, 60))
def test_atr_series_when_synthetic_bars_then_bit_identical_to_AverageTrueRange(
    seed: int, period: int
) -> None:
    bars = generate_bars(SyntheticMarketConfig(), 600, seed)
    reference = AverageTrueRange(period)
    expected = [
        reference.update(h, lo, c)
        for h, lo, c in zip(bars.high.tolist(), bars.low.tolist(), bars.close.tolist(), strict=True)
    ]

    ours = atr_series(bars.high, bars.low, bars.close, period)

    assert_bit_identical(ours, expected)


def test_sma_series_when_long_synthetic_series_then_running_sum_matches_without_drift() -> None:
    closes = generate_bars(SyntheticMarketConfig(), 50_000, 7).close
    reference = SimpleMovingAverage(37)

    ours = sma_series(closes, 37)

    assert_bit_identical(ours, [reference.update(v) for v in closes.tolist()])
