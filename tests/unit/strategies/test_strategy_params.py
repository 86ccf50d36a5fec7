"""Strategy parameters and the registry: every refusal says what was wrong and what is
allowed, with a "did you mean" hint for misspelt names."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ai_trader.core.errors import ConfigurationError
from ai_trader.strategies import (
    STRATEGIES,
    Breakout,
    RsiReversion,
    SmaCross,
    SmaCrossParams,
    build_params,
    create_strategy,
    describe_parameters,
    strategy_class,
)


@pytest.mark.parametrize(
    ("name", "parameter", "value", "allowed", "shown"),
    [
        ("sma_cross", "fast", 1, "an integer in [2, 500]", "1"),
        ("sma_cross", "slow", 2001, "an integer in [3, 2000]", "2001"),
        ("sma_cross", "fast", "ten", "an integer in [2, 500]", "'ten'"),
        ("sma_cross", "fast", 2.5, "an integer in [2, 500]", "2.5"),
        ("sma_cross", "allow_short", "maybe", "true or false", "'maybe'"),
        ("rsi_reversion", "period", 101, "an integer in [2, 100]", "101"),
        ("rsi_reversion", "oversold", 50, "a number in [1, 49]", "50"),
        ("breakout", "atr_multiplier", 0.5, "a number in [1, 4]", "0.5"),
        ("breakout", "risk_reward", 5, "a number in [1.5, 4]", "5"),
    ],
)
def test_out_of_range_parameter_names_the_allowed_range(
    name: str, parameter: str, value: object, allowed: str, shown: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_params(name, {parameter: value})

    # e.g. "sma_cross: parameter 'fast' must be an integer in [2, 500], got 1"
    assert str(caught.value) == f"{name}: parameter {parameter!r} must be {allowed}, got {shown}"


def test_fast_must_be_below_slow() -> None:
    with pytest.raises(
        ConfigurationError, match=r"^sma_cross: fast \(30\) must be smaller than slow \(10\)$"
    ):
        build_params("sma_cross", {"fast": 30, "slow": 10})


def test_rsi_exit_level_must_be_above_oversold() -> None:
    with pytest.raises(
        ConfigurationError, match=r"exit_level \(35\) must be above oversold \(40\)"
    ):
        build_params("rsi_reversion", {"oversold": 40, "exit_level": 35})


def test_unknown_parameter_gets_a_did_you_mean_and_the_list_of_parameters() -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_params("sma_cross", {"fsat": 5})

    assert str(caught.value) == (
        "sma_cross: unknown parameter 'fsat'; did you mean 'fast'? "
        "(parameters: fast, slow, allow_short)"
    )


def test_unknown_parameter_without_a_close_match_lists_the_parameters() -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_params("breakout", {"zzz": 1})

    assert str(caught.value) == (
        "breakout: unknown parameter 'zzz' "
        "(parameters: lookback, atr_period, atr_multiplier, risk_reward)"
    )


def test_unknown_strategy_gets_a_did_you_mean_and_the_available_names() -> None:
    with pytest.raises(ConfigurationError) as caught:
        strategy_class("sma_crss")

    assert str(caught.value) == (
        "unknown strategy 'sma_crss'; did you mean 'sma_cross'? "
        "(available: sma_cross, rsi_reversion, breakout)"
    )


def test_unknown_strategy_without_a_close_match() -> None:
    with pytest.raises(ConfigurationError, match=r"^unknown strategy 'macd' \(available: "):
        create_strategy("macd", "X")


def test_registry_holds_the_three_built_in_strategies() -> None:
    assert dict(STRATEGIES) == {
        "sma_cross": SmaCross,
        "rsi_reversion": RsiReversion,
        "breakout": Breakout,
    }


def test_create_strategy_uses_the_defaults_and_text_values() -> None:
    strategy = create_strategy("sma_cross", "BTC/USD", {"fast": "5", "allow_short": "true"})

    assert isinstance(strategy, SmaCross)
    assert strategy.symbol == "BTC/USD"
    assert strategy.params == SmaCrossParams(fast=5, slow=30, allow_short=True)


def test_parameters_are_frozen() -> None:
    params = SmaCrossParams()

    with pytest.raises(ValidationError):
        params.fast = 3  # type: ignore[misc]


def test_describe_parameters_lists_type_default_and_range() -> None:
    specs = {spec.name: spec for spec in describe_parameters(SmaCrossParams)}

    fast = specs["fast"]
    assert (fast.type_name, fast.default, fast.low, fast.high) == ("int", 10, 2, 500)
    assert fast.allowed == "an integer in [2, 500]"
    assert specs["allow_short"].allowed == "true or false"
    assert fast.description == "fast SMA period (bars)"


def test_strategy_not_attached_to_an_engine_says_so() -> None:
    strategy = create_strategy("sma_cross", "X")

    with pytest.raises(RuntimeError, match="strategy sma_cross is not attached to an engine"):
        _ = strategy.context
