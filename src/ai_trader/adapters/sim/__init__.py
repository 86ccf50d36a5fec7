"""The simulated venue used by backtests and paper trading."""

from ai_trader.adapters.sim.config import MarketFill, SimulatedVenueConfig
from ai_trader.adapters.sim.venue import SimulatedVenue

__all__ = ["MarketFill", "SimulatedVenue", "SimulatedVenueConfig"]
