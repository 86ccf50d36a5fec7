"""The executor contract against the simulated venue (paper: market orders fill at the last
price) and its persistent, ledger-backed form."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from tests.contract.executor_contract import BEHAVIOURS, VenueHarness

from ai_trader.adapters.sim import MarketFill, SimulatedVenue, SimulatedVenueConfig
from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue, VenueLedger
from ai_trader.core.clock import TestClock
from ai_trader.core.errors import TransientVenueError
from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.bar import Bar
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import VenueOrderState
from ai_trader.ports.executor import BarDrivenExecutor, Executor, ReportHandler

SYMBOL = "BTC/USDT"
PRICE = Decimal("50000")
START = {"USDT": Decimal("10000")}


class TimeoutAfterAccept:
    """A test double of a venue whose answer to a submit is lost: once armed, ``submit``
    reaches the venue and then raises ``TransientVenueError`` as a timeout would."""

    def __init__(self, inner: BarDrivenExecutor) -> None:
        self.inner = inner
        self.armed = False

    @property
    def venue(self) -> str:
        return self.inner.venue

    def connect(self, handler: ReportHandler) -> None:
        self.inner.connect(handler)

    def submit(self, order: Order) -> None:
        self.inner.submit(order)
        if self.armed:
            self.armed = False
            raise TransientVenueError("timed out waiting for the venue's answer")

    def cancel(self, client_order_id: ClientOrderId) -> None:
        self.inner.cancel(client_order_id)

    def query_order(self, client_order_id: ClientOrderId) -> Order | None:
        return self.inner.query_order(client_order_id)

    def open_orders(self) -> Sequence[Order]:
        return self.inner.open_orders()

    def fills(self) -> Sequence[Fill]:
        return self.inner.fills()

    def positions(self) -> Mapping[str, Decimal]:
        return self.inner.positions()

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        return self.inner.order_state(client_order_id)

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        return self.inner.fills_since(ts_ns)

    def balances(self) -> Mapping[str, Decimal]:
        return self.inner.balances()


@pytest.fixture(params=["simulated", "persistent"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VenueHarness]:
    clock = TestClock(1_767_225_600 * 1_000_000_000)
    config = SimulatedVenueConfig(market_fill=MarketFill.LAST_PRICE, starting_balances=START)
    ledger = None
    venue: BarDrivenExecutor
    if request.param == "simulated":
        venue = SimulatedVenue(config, clock)
    else:
        ledger = VenueLedger(tmp_path / "venue.sqlite")
        venue = PersistentSimulatedVenue(config, clock, ledger)
    executor = TimeoutAfterAccept(venue)

    def trade_at_price() -> None:  # the venue sees the market: one bar at the price
        p = float(PRICE)
        venue.process_bar(Bar(SYMBOL, clock.timestamp_ns(), p, p, p, p, 1_000.0))

    def advance(nanos: int) -> None:
        clock.advance(nanos)
        trade_at_price()

    def arm() -> None:
        executor.armed = True

    trade_at_price()
    harness = VenueHarness(
        executor=executor,
        symbol=SYMBOL,
        base="BTC",
        quote="USDT",
        price=PRICE,
        quantity=Decimal("0.001"),
        starting_balances=START,
        advance=advance,
        now_ns=clock.timestamp_ns,
        arm_submit_timeout=arm,
    )
    executor.connect(harness.events.append)
    yield harness
    if ledger is not None:
        ledger.close()


def test_sim_venues_implement_the_executor_port(harness: VenueHarness) -> None:
    assert isinstance(harness.executor, Executor)


@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=lambda b: b.__name__)
def test_executor_contract(harness: VenueHarness, behaviour: object) -> None:
    assert callable(behaviour)
    behaviour(harness)
