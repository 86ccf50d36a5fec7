"""Build the one engine from its parts; runners choose the clock, feed and venue mode."""

from __future__ import annotations

from dataclasses import dataclass

from ai_trader.adapters.sim import MarketFill, SimulatedVenue, SimulatedVenueConfig
from ai_trader.core.clock import Clock
from ai_trader.core.ids import ClientOrderIdGenerator
from ai_trader.engine.engine import TradingEngine
from ai_trader.portfolio.portfolio import Portfolio
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
    venue: SimulatedVenue


def assemble_session(
    spec: SessionSpec,
    *,
    run_id: str,
    clock: Clock,
    feed: MarketDataFeed,
    market_fill: MarketFill = MarketFill.NEXT_OPEN,
    journal: Journal | None = None,
) -> TradingSession:
    """Wire strategy → risk → simulated venue → portfolio for every symbol of ``feed``."""
    venue = SimulatedVenue(
        SimulatedVenueConfig(
            maker_fee=spec.commission,
            taker_fee=spec.commission,
            slippage_bps=spec.slippage_bps,
            max_volume_share=spec.max_volume_share,
            market_fill=market_fill,
        ),
        clock,
    )
    portfolio = Portfolio(spec.cash)
    risk = RiskEngine(spec.risk, spec.parsed_sizing(), portfolio, fee_rate=spec.commission)
    strategies = [create_strategy(spec.strategy, symbol, spec.params) for symbol in feed.symbols]
    engine = TradingEngine(
        clock=clock,
        feed=feed,
        executor=venue,
        portfolio=portfolio,
        risk=risk,
        strategies=strategies,
        order_ids=ClientOrderIdGenerator(run_id),
        journal=journal,
    )
    return TradingSession(run_id, spec, engine, venue)
