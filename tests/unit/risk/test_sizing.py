"""Sizing.parse: the three allowed forms, and a message naming them for anything else."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.core.errors import ConfigurationError
from ai_trader.risk import RiskConfig, Sizing, SizingKind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all_in", Sizing(SizingKind.ALL_IN)),
        ("fixed:2.5", Sizing(SizingKind.FIXED, Decimal("2.5"))),
        ("fixed:1000", Sizing(SizingKind.FIXED, Decimal(1000))),
        ("risk:0.01", Sizing(SizingKind.RISK, Decimal("0.01"))),
        ("risk:1", Sizing(SizingKind.RISK, Decimal(1))),
        ("  fixed:3  ", Sizing(SizingKind.FIXED, Decimal(3))),
    ],
)
def test_parse_accepts_the_documented_forms(text: str, expected: Sizing) -> None:
    assert Sizing.parse(text) == expected


@pytest.mark.parametrize("text", ["all_in", "fixed:2.5", "risk:0.01"])
def test_str_round_trips_through_parse(text: str) -> None:
    assert str(Sizing.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yolo",
        "ALL_IN",
        "all_in:5",
        "fixed",
        "fixed:",
        "fixed:0",
        "fixed:-1",
        "fixed:abc",
        "fixed:nan",
        "fixed:inf",
        "risk:0",
        "risk:1.5",
        "risk:-0.1",
        "percent:5",
    ],
)
def test_parse_refuses_anything_else_and_names_the_allowed_forms(text: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Sizing.parse(text)

    message = str(caught.value)
    assert "all_in" in message
    assert "fixed:N" in message
    assert "risk:F" in message
    assert "0 < F <= 1" in message
    assert repr(text) in message


def test_risk_config_defaults_are_the_documented_limits() -> None:
    config = RiskConfig()

    assert (config.max_daily_loss, config.max_drawdown) == (0.03, 0.15)
    assert config.max_position_fraction == 1.0
    assert config.max_position_units is None


def test_risk_config_rejects_unknown_keys_and_out_of_range_limits() -> None:
    with pytest.raises(ValueError, match="max_daily_los"):
        RiskConfig.model_validate({"max_daily_los": 0.05})
    with pytest.raises(ValueError, match="max_drawdown"):
        RiskConfig(max_drawdown=0.0)
