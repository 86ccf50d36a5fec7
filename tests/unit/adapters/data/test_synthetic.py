"""The synthetic market: determinism, OHLC invariants, regimes and the streaming variant."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ai_trader.adapters.data import (
    MarketRegime,
    SyntheticBarStream,
    SyntheticMarketConfig,
    generate_bars,
)
from ai_trader.core.clock import datetime_to_ns
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.bar import Bar, BarSeries

COLUMNS = ("ts_event", "open", "high", "low", "close", "volume")
T0 = datetime_to_ns(datetime(2024, 1, 1, tzinfo=UTC))


def assert_ohlc_invariants(series: BarSeries, start_price: float) -> None:
    assert series.open[0] == start_price
    assert np.array_equal(series.open[1:], series.close[:-1])
    assert np.all(series.high >= np.maximum(series.open, series.close))
    assert np.all(series.low <= np.minimum(series.open, series.close))
    assert np.all(series.low > 0)
    assert np.all(series.volume > 0)


def test_generate_when_same_seed_then_identical_arrays() -> None:
    config = SyntheticMarketConfig()

    first, second = generate_bars(config, 2_000, seed=42), generate_bars(config, 2_000, seed=42)

    for column in COLUMNS:
        assert np.array_equal(getattr(first, column), getattr(second, column))


def test_generate_when_different_seeds_then_prices_differ() -> None:
    config = SyntheticMarketConfig()

    first, second = generate_bars(config, 100, seed=1), generate_bars(config, 100, seed=2)

    assert not np.array_equal(first.close, second.close)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**63),
    n_bars=st.integers(min_value=1, max_value=3_000),
    switch_probability=st.floats(min_value=0.0, max_value=1.0),
    start_price=st.floats(min_value=1e-3, max_value=1e6),
)
def test_generate_for_any_seed_and_size_then_ohlc_invariants_hold(
    seed: int, n_bars: int, switch_probability: float, start_price: float
) -> None:
    config = SyntheticMarketConfig(
        start_price=start_price, regime_switch_probability=switch_probability
    )

    series = generate_bars(config, n_bars, seed)

    assert len(series) == n_bars
    assert_ohlc_invariants(series, start_price)
    assert np.all(np.diff(series.ts_event) == config.bar_interval_ns)


def test_generate_then_timestamps_are_bar_close_times_from_start() -> None:
    config = SyntheticMarketConfig(bar_interval_seconds=3_600, symbol="ABC")

    series = generate_bars(config, 3, seed=0)

    assert series.symbol == "ABC"
    assert series.ts_event.tolist() == [T0 + k * 3_600 * 10**9 for k in (1, 2, 3)]


def test_generate_when_one_regime_without_switching_then_volatility_matches() -> None:
    regime = MarketRegime(name="only", drift=0.0, volatility=2e-3)
    config = SyntheticMarketConfig(regimes=(regime,), regime_switch_probability=0.0)

    series = generate_bars(config, 100_000, seed=3)

    log_returns = np.log(series.close / series.open)
    assert log_returns.std() == pytest.approx(2e-3, rel=0.02)


def test_stream_when_regime_is_volatile_then_volume_is_higher() -> None:
    calm = MarketRegime(name="calm", drift=0.0, volatility=5e-4)
    wild = MarketRegime(name="wild", drift=0.0, volatility=5e-3)
    config = SyntheticMarketConfig(regimes=(calm, wild), regime_switch_probability=0.02)
    stream = SyntheticBarStream(config, seed=5)
    volumes: dict[str, list[float]] = {"calm": [], "wild": []}

    for k in range(4_000):
        bar = stream.next_bar(T0 + k)
        volumes[stream.regime].append(bar.volume)

    assert len(volumes["calm"]) > 100
    assert len(volumes["wild"]) > 100
    assert np.mean(volumes["wild"]) > 5 * np.mean(volumes["calm"])


def test_generate_when_zero_bars_then_empty_series() -> None:
    assert len(generate_bars(SyntheticMarketConfig(), 0, seed=1)) == 0


def test_generate_when_negative_bars_then_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="n_bars must be >= 0"):
        generate_bars(SyntheticMarketConfig(), -1, seed=1)


def test_config_when_unknown_key_then_rejected() -> None:
    with pytest.raises(ValidationError, match="extra"):
        SyntheticMarketConfig.model_validate({"symbol": "X", "colour": "red"})


def test_config_when_assigned_then_frozen() -> None:
    config = SyntheticMarketConfig()

    with pytest.raises(ValidationError):
        config.symbol = "OTHER"


def test_config_when_start_naive_then_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        SyntheticMarketConfig(start=datetime(2024, 1, 1))


def test_config_when_regime_names_repeat_then_rejected() -> None:
    regime = {"name": "bull", "drift": 0.0, "volatility": 1e-3}

    with pytest.raises(ValidationError, match="unique"):
        SyntheticMarketConfig.model_validate({"regimes": [regime, regime]})


def test_config_when_regimes_given_as_dicts_then_parsed() -> None:
    config = SyntheticMarketConfig.model_validate(
        {"regimes": [{"name": "flat", "drift": 0.0, "volatility": 1e-3}]}
    )

    assert config.regimes == (MarketRegime(name="flat", drift=0.0, volatility=1e-3),)


def stream_bars(seed: int, count: int) -> list[Bar]:
    stream = SyntheticBarStream(SyntheticMarketConfig(), seed=seed)
    return [stream.next_bar(T0 + k * 10**9) for k in range(1, count + 1)]


def test_stream_when_same_seed_then_same_bars() -> None:
    assert stream_bars(9, 300) == stream_bars(9, 300)


def test_stream_when_different_seed_then_different_bars() -> None:
    assert stream_bars(9, 10) != stream_bars(10, 10)


def test_stream_then_bars_continue_the_walk_with_valid_ohlc() -> None:
    bars = stream_bars(4, 1_000)

    series = BarSeries(
        "SYN/USD", *(np.array([getattr(bar, column) for bar in bars]) for column in COLUMNS)
    )
    assert_ohlc_invariants(series, 100.0)
    assert [bar.ts_event for bar in bars[:2]] == [T0 + 10**9, T0 + 2 * 10**9]


def test_stream_when_timestamp_not_after_previous_then_error() -> None:
    stream = SyntheticBarStream(SyntheticMarketConfig(), seed=1)
    stream.next_bar(T0)

    with pytest.raises(ConfigurationError, match="must be after"):
        stream.next_bar(T0)
