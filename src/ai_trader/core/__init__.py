"""Layer 1: ids, clocks, decimal money helpers and the error hierarchy. Stdlib only."""

from ai_trader.core.clock import Clock, LiveClock, TestClock
from ai_trader.core.errors import (
    AiTraderError,
    ConfigurationError,
    DataError,
    InvariantViolation,
    StateStoreUnavailableError,
    StrategyError,
    TransientVenueError,
    VenueRejectedError,
)
from ai_trader.core.ids import ClientOrderIdGenerator, new_run_id
from ai_trader.core.money import ZERO, floor_to_step, to_decimal

__all__ = [
    "ZERO",
    "AiTraderError",
    "ClientOrderIdGenerator",
    "Clock",
    "ConfigurationError",
    "DataError",
    "InvariantViolation",
    "LiveClock",
    "StateStoreUnavailableError",
    "StrategyError",
    "TestClock",
    "TransientVenueError",
    "VenueRejectedError",
    "floor_to_step",
    "new_run_id",
    "to_decimal",
]
