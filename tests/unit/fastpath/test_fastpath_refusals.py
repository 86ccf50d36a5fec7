"""What the fast path does not model is refused before any work, with a way forward."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from ai_trader.adapters.data import SyntheticMarketConfig, generate_bars
from ai_trader.core.errors import ConfigurationError
from ai_trader.fastpath import simulate, sweep
from ai_trader.runtime import SessionSpec

SERIES = generate_bars(SyntheticMarketConfig(), 300, 1)


def test_sweep_when_max_volume_share_then_refused_pointing_to_the_engine() -> None:
    with pytest.raises(ConfigurationError, match=r"max_volume_share=0\.1.*run_backtest"):
        sweep("sma_cross", SERIES, [{}], SessionSpec(max_volume_share=0.1))


def test_sweep_when_unknown_strategy_then_did_you_mean() -> None:
    with pytest.raises(ConfigurationError, match="did you mean 'sma_cross'"):
        sweep("sma_crosss", SERIES, [{}], SessionSpec())


def test_sweep_when_a_combination_is_invalid_then_the_parameter_message_is_raised() -> None:
    with pytest.raises(ConfigurationError, match=r"'fast' must be an integer in \[2, 500\]"):
        sweep("sma_cross", SERIES, [{"fast": 5, "slow": 20}, {"fast": 1}], SessionSpec())


def test_sweep_when_fast_not_below_slow_then_refused_not_dropped() -> None:
    with pytest.raises(ConfigurationError, match="must be smaller than slow"):
        sweep("sma_cross", SERIES, [{"fast": 30, "slow": 20}], SessionSpec())


def test_sweep_when_grid_empty_then_refused() -> None:
    with pytest.raises(ConfigurationError, match="grid is empty"):
        sweep("rsi_reversion", SERIES, [], SessionSpec())


def test_simulate_when_fixed_size_beyond_exact_lot_count_then_refused() -> None:
    with pytest.raises(ConfigurationError, match="fixed sizing of 100000000 units"):
        simulate("sma_cross", SERIES, {}, SessionSpec(sizing="fixed:100000000"))


def test_simulate_when_all_in_size_beyond_exact_lot_count_then_refused() -> None:
    cheap = generate_bars(SyntheticMarketConfig(start_price=0.001), 2_000, 3)
    rich = SessionSpec(cash=Decimal("1e9"), commission=0.0)

    with pytest.raises(ConfigurationError, match="2\\*\\*53 lots"):
        simulate("sma_cross", cheap, {"fast": 2, "slow": 3}, rich)


def test_simulate_when_no_bars_then_nothing_traded_and_equity_is_the_cash() -> None:
    empty = SERIES.slice(0, 0)

    run = simulate("breakout", empty, {}, SessionSpec())

    assert run.trades.empty
    assert run.equity.size == 0
    assert run.stats["final_equity"] == 100_000.0
    assert run.stats["sharpe"] is None
    assert np.array_equal(run.timestamps, empty.ts_event)
