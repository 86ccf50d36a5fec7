"""``build_engine``: the real kernel (engine, risk, portfolio, simulated venue) wired for a
test in one call, with an event recorder subscribed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ai_trader.adapters.data.feeds import BarSeriesFeed
from ai_trader.adapters.sim import MarketFill, SimulatedVenue, SimulatedVenueConfig
from ai_trader.core.clock import TestClock
from ai_trader.core.ids import ClientOrderIdGenerator
from ai_trader.core.money import to_decimal
from ai_trader.domain.bar import Bar, BarSeries
from ai_trader.domain.events import Event, OrderFilled
from ai_trader.domain.fills import Fill
from ai_trader.domain.instrument import Instrument
from ai_trader.engine.engine import TradingEngine
from ai_trader.portfolio.portfolio import Portfolio
from ai_trader.ports.executor import Executor
from ai_trader.ports.journal import Journal
from ai_trader.ports.market_data import MarketDataFeed
from ai_trader.risk.config import RiskConfig, Sizing
from ai_trader.risk.engine import RiskEngine
from ai_trader.strategies.base import Strategy
from ai_trader.strategies.params import StrategyParams
from ai_trader.testing.bars import BASE_TS
from ai_trader.testing.fakes import EventRecorder, ListFeed

MarketData = BarSeries | Sequence[BarSeries] | Sequence[Bar]


@dataclass(slots=True)
class EngineHarness:
    engine: TradingEngine
    executor: Executor
    portfolio: Portfolio
    risk: RiskEngine
    clock: TestClock
    recorder: EventRecorder
    journal: Journal | None

    @property
    def venue(self) -> SimulatedVenue:
        if not isinstance(self.executor, SimulatedVenue):
            raise TypeError(f"the executor is a {type(self.executor).__name__}, not the venue")
        return self.executor

    @property
    def events(self) -> list[Event]:
        return self.recorder.events

    def run(self) -> int:
        return self.engine.run()

    def fills(self) -> list[Fill]:
        """Fills the engine booked, in the order it booked them."""
        return [e.fill for e in self.recorder.of_type(OrderFilled)]


def feed_of(data: MarketData) -> MarketDataFeed:
    if isinstance(data, BarSeries):
        return BarSeriesFeed([data])
    items = list(data)
    if items and all(isinstance(item, BarSeries) for item in items):
        return BarSeriesFeed([item for item in items if isinstance(item, BarSeries)])
    return ListFeed(item for item in items if isinstance(item, Bar))


def _first_ts(feed: MarketDataFeed) -> int:
    first = next(iter(feed), None)
    return BASE_TS if first is None else first.ts_event


def build_engine(
    data: MarketData,
    *,
    strategies: Sequence[Strategy[StrategyParams]] = (),
    cash: Decimal | int | str = 10_000,
    fee: float = 0.0,
    maker_fee: float | None = None,
    slippage_bps: float = 0.0,
    max_volume_share: float | None = None,
    market_fill: MarketFill = MarketFill.NEXT_OPEN,
    sizing: str | Sizing = "fixed:1",
    risk_config: RiskConfig | None = None,
    journal: Journal | None = None,
    executor: Executor | None = None,
    instruments: Mapping[str, Instrument] | None = None,
    run_id: str = "TEST",
) -> EngineHarness:
    """Wire strategy → risk → venue → portfolio over ``data``.

    ``fee`` is the taker fee (and the maker fee unless ``maker_fee`` is given) and the
    fee rate the risk engine sizes with. ``executor`` replaces the simulated venue.
    """
    feed = feed_of(data)
    clock = TestClock(_first_ts(feed))
    if executor is None:
        config = SimulatedVenueConfig(
            taker_fee=fee,
            maker_fee=fee if maker_fee is None else maker_fee,
            slippage_bps=slippage_bps,
            max_volume_share=max_volume_share,
            market_fill=market_fill,
        )
        executor = SimulatedVenue(config, clock, instruments)
    portfolio = Portfolio(to_decimal(cash))
    parsed = sizing if isinstance(sizing, Sizing) else Sizing.parse(sizing)
    risk = RiskEngine(
        risk_config or RiskConfig(),
        parsed,
        portfolio,
        fee_rate=fee,
        instruments=dict(instruments) if instruments is not None else None,
    )
    engine = TradingEngine(
        clock=clock,
        feed=feed,
        executor=executor,
        portfolio=portfolio,
        risk=risk,
        strategies=strategies,
        order_ids=ClientOrderIdGenerator(run_id),
        journal=journal,
    )
    recorder = EventRecorder()
    engine.subscribe(recorder)
    return EngineHarness(engine, executor, portfolio, risk, clock, recorder, journal)
