"""Build the one engine from its parts; runners choose the clock, feed and venue mode."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ai_trader.adapters.sim import MarketFill, SimulatedVenue, SimulatedVenueConfig
from ai_trader.core.clock import Clock
from ai_trader.core.ids import ClientOrderIdGenerator
from ai_trader.domain.instrument import Instrument
from ai_trader.engine.engine import TradingEngine
from ai_trader.portfolio.portfolio import Portfolio
from ai_trader.ports.executor import Executor
from ai_trader.ports.journal import Journal
from ai_trader.ports.market_data import MarketDataFeed
from ai_trader.risk.engine import RiskEngine
from ai_trader.runtime.spec import SessionSpec
from ai_trader.strategies.registry import create_strategy


@dataclass(frozen=True, slots=True)
class TradingSession:
    run_id: str
    spec: SessionSpec
    engine: TradingEngine
    venue: Executor


def venue_config(spec: SessionSpec, market_fill: MarketFill) -> SimulatedVenueConfig:
    """The simulated venue's costs as the session spec sets them."""
    return SimulatedVenueConfig(
        maker_fee=spec.commission,
        taker_fee=spec.commission,
        slippage_bps=spec.slippage_bps,
        max_volume_share=spec.max_volume_share,
        market_fill=market_fill,
    )


def build_engine(
    spec: SessionSpec,
    *,
    clock: Clock,
    feed: MarketDataFeed,
    executor: Executor,
    order_ids: ClientOrderIdGenerator,
    portfolio: Portfolio | None = None,
    journal: Journal | None = None,
    instruments: Mapping[str, Instrument] | None = None,
) -> TradingEngine:
    """Strategy → risk → ``executor`` → portfolio for every symbol of ``feed``. A restart
    passes the portfolio rebuilt from the journal and the order ids to continue from."""
    portfolio = portfolio or Portfolio(spec.cash)
    risk = RiskEngine(
        spec.risk,
        spec.parsed_sizing(),
        portfolio,
        fee_rate=spec.commission,
        instruments=instruments,
    )
    strategies = [create_strategy(spec.strategy, symbol, spec.params) for symbol in feed.symbols]
    return TradingEngine(
        clock=clock,
        feed=feed,
        executor=executor,
        portfolio=portfolio,
        risk=risk,
        strategies=strategies,
        order_ids=order_ids,
        journal=journal,
    )


def assemble_session(
    spec: SessionSpec,
    *,
    run_id: str,
    clock: Clock,
    feed: MarketDataFeed,
    market_fill: MarketFill = MarketFill.NEXT_OPEN,
    journal: Journal | None = None,
) -> TradingSession:
    """A fresh session on a new simulated venue."""
    venue = SimulatedVenue(venue_config(spec, market_fill), clock)
    engine = build_engine(
        spec,
        clock=clock,
        feed=feed,
        executor=venue,
        order_ids=ClientOrderIdGenerator(run_id),
        journal=journal,
    )
    return TradingSession(run_id, spec, engine, venue)
