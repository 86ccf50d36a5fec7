"""The one error tree, grouped by what the caller should do next."""

from __future__ import annotations

import pytest

from ai_trader.core.errors import (
    AiTraderError,
    ConfigurationError,
    DataError,
    InvariantViolation,
    StrategyError,
    TransientVenueError,
    VenueRejectedError,
)


@pytest.mark.parametrize(
    "error",
    [
        ConfigurationError,
        TransientVenueError,
        VenueRejectedError,
        StrategyError,
        InvariantViolation,
    ],
)
def test_every_error_group_derives_from_the_one_root(error: type[Exception]) -> None:
    assert issubclass(error, AiTraderError)
    assert error.__bases__ == (AiTraderError,)


def test_data_error_is_a_configuration_error_caught_at_start() -> None:
    assert issubclass(DataError, ConfigurationError)


def test_root_is_a_plain_exception_not_a_base_exception_only() -> None:
    assert issubclass(AiTraderError, Exception)


def test_errors_carry_their_message() -> None:
    assert str(DataError("column 'close' missing")) == "column 'close' missing"
