"""Parameter grids: inclusive ranges, lists, cross-parameter drops, range errors."""

from __future__ import annotations

import pytest

from ai_trader.core.errors import ConfigurationError
from ai_trader.fastpath import MAX_COMBINATIONS, parse_grid


def test_parse_grid_when_sma_ranges_then_inclusive_product_without_fast_at_or_above_slow() -> None:
    grid = parse_grid({"fast": "5:50:5", "slow": "20:200:10"})

    assert grid.strategy == "sma_cross"  # told apart by its parameter names
    assert len(grid) + grid.dropped == 10 * 19
    assert grid.dropped == 7 + 5 + 3 + 1  # slow 20, 30, 40, 50 against fast >= slow
    assert grid[0] == {"fast": 5, "slow": 20}
    assert grid[-1] == {"fast": 50, "slow": 200}
    assert all(c["fast"] < c["slow"] for c in grid)


def test_parse_grid_when_lists_floats_and_booleans_then_typed_values() -> None:
    grid = parse_grid(
        {"period": "7,14", "oversold": "20:30:2.5", "exit_level": [55, 60.5]},
        strategy="rsi_reversion",
    )

    assert {c["oversold"] for c in grid} == {20.0, 22.5, 25.0, 27.5, 30.0}
    assert len(grid) == 2 * 5 * 2
    assert isinstance(grid[0]["period"], int)
    shorts = parse_grid({"fast": 5, "slow": 20, "allow_short": "true,false"})
    assert [c["allow_short"] for c in shorts] == [True, False]


def test_parse_grid_when_exit_not_above_entry_then_those_combinations_dropped() -> None:
    grid = parse_grid({"oversold": "30,45", "exit_level": "40,60"})

    assert grid.strategy == "rsi_reversion"
    assert [(c["oversold"], c["exit_level"]) for c in grid] == [(30, 40), (30, 60), (45, 60)]
    assert grid.dropped == 1


def test_parse_grid_when_value_outside_its_range_then_error_names_the_range() -> None:
    with pytest.raises(ConfigurationError, match=r"'fast' must be an integer in \[2, 500\]"):
        parse_grid({"fast": "1:10", "slow": "20"})


def test_parse_grid_when_unknown_parameter_then_did_you_mean() -> None:
    with pytest.raises(ConfigurationError, match="did you mean 'slow'"):
        parse_grid({"fast": "5", "slwo": "20"}, strategy="sma_cross")


@pytest.mark.parametrize("text", ["5:", "50:5", "5:50:0", "5:50:-5", "a:b", "1:2:3:4"])
def test_parse_grid_when_malformed_range_then_error_shows_the_form(text: str) -> None:
    with pytest.raises(ConfigurationError, match="start:stop:step"):
        parse_grid({"fast": text, "slow": "100"})


def test_parse_grid_when_integer_parameter_gets_a_fraction_then_error() -> None:
    with pytest.raises(ConfigurationError, match="'fast' must be an integer"):
        parse_grid({"fast": "5.5", "slow": "100"})


def test_parse_grid_when_names_fit_several_strategies_then_asks_for_the_strategy() -> None:
    with pytest.raises(ConfigurationError, match="pass strategy="):
        parse_grid({})


def test_parse_grid_when_too_many_combinations_then_refused() -> None:
    with pytest.raises(ConfigurationError, match=f"at most {MAX_COMBINATIONS:,}"):
        parse_grid({"lookback": "2:500", "atr_period": "2:200", "atr_multiplier": "1:4:0.25"})
