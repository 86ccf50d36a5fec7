"""Shared builders for tests (NautilusTrader's ``test_kit`` idea): bars, orders, fills,
recording fakes of the ports, scripted strategies and a small engine assembly.

Production code never imports this package; ``tests/unit/test_layers.py`` checks that.
"""

from ai_trader.testing.bars import (
    BASE_TS,
    DEFAULT_SYMBOL,
    MINUTE_NS,
    bar_ts,
    bars_from_closes,
    make_bar,
    make_series,
    series_from_bars,
)
from ai_trader.testing.engine import EngineHarness, build_engine
from ai_trader.testing.fakes import (
    EventRecorder,
    FakeStrategyContext,
    ListFeed,
    RecordingExecutor,
    RecordingJournal,
)
from ai_trader.testing.faults import (
    Disconnect,
    Fault,
    FaultPlan,
    FaultyVenue,
    RateLimited,
    ServerError,
    TimeoutAfterAccept,
    VenueCall,
    VenueRateLimitedError,
    trade_behind_our_back,
)
from ai_trader.testing.orders import (
    limit_order,
    make_fill,
    make_signal,
    market_order,
    stop_order,
)
from ai_trader.testing.strategies import RaisingStrategy, ScriptedStrategy
from ai_trader.testing.venue import VenueHarness, make_venue

__all__ = [
    "BASE_TS",
    "DEFAULT_SYMBOL",
    "MINUTE_NS",
    "Disconnect",
    "EngineHarness",
    "EventRecorder",
    "FakeStrategyContext",
    "Fault",
    "FaultPlan",
    "FaultyVenue",
    "ListFeed",
    "RaisingStrategy",
    "RateLimited",
    "RecordingExecutor",
    "RecordingJournal",
    "ScriptedStrategy",
    "ServerError",
    "TimeoutAfterAccept",
    "VenueCall",
    "VenueHarness",
    "VenueRateLimitedError",
    "bar_ts",
    "bars_from_closes",
    "build_engine",
    "limit_order",
    "make_bar",
    "make_fill",
    "make_series",
    "make_signal",
    "make_venue",
    "market_order",
    "series_from_bars",
    "stop_order",
    "trade_behind_our_back",
]
