"""A simulated venue on a ``TestClock`` with its reports recorded, for venue tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ai_trader.adapters.sim import MarketFill, SimulatedVenue, SimulatedVenueConfig
from ai_trader.core.clock import TestClock
from ai_trader.domain.bar import Bar
from ai_trader.domain.events import OrderFilled
from ai_trader.domain.fills import Fill
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.orders import Order
from ai_trader.testing.bars import BASE_TS
from ai_trader.testing.fakes import EventRecorder


@dataclass(slots=True)
class VenueHarness:
    venue: SimulatedVenue
    clock: TestClock
    recorder: EventRecorder

    def submit(self, *orders: Order) -> None:
        for order in orders:
            self.venue.submit(order)

    def process(self, *bars: Bar) -> None:
        """Move the clock to each bar's close time and let the venue match on it."""
        for bar in bars:
            self.clock.set_time(bar.ts_event)
            self.venue.process_bar(bar)

    def fills(self) -> list[Fill]:
        return [e.fill for e in self.recorder.of_type(OrderFilled)]


def make_venue(
    *,
    fee: float = 0.0,
    maker_fee: float | None = None,
    slippage_bps: float = 0.0,
    max_volume_share: float | None = None,
    market_fill: MarketFill = MarketFill.NEXT_OPEN,
    instruments: Mapping[str, Instrument] | None = None,
    start_ns: int = BASE_TS,
) -> VenueHarness:
    """A connected ``SimulatedVenue``; ``fee`` is the taker fee and, by default, the maker's."""
    clock = TestClock(start_ns)
    config = SimulatedVenueConfig(
        taker_fee=fee,
        maker_fee=fee if maker_fee is None else maker_fee,
        slippage_bps=slippage_bps,
        max_volume_share=max_volume_share,
        market_fill=market_fill,
    )
    venue = SimulatedVenue(config, clock, instruments)
    recorder = EventRecorder()
    venue.connect(recorder)
    return VenueHarness(venue, clock, recorder)
