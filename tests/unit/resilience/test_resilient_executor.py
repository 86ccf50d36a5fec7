"""ResilientExecutor: the Executor port behind breakers and the rate gate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import pytest

from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.core.errors import TransientVenueError, VenueRejectedError
from ai_trader.core.ids import ClientOrderId, VenueOrderId
from ai_trader.domain.enums import OrderStatus, Side
from ai_trader.domain.events import Event
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import VenueOrderState
from ai_trader.ports.executor import Executor, ReportHandler
from ai_trader.resilience.breaker import BreakerRegistry, CircuitOpenError
from ai_trader.resilience.rate_gate import RateBudget, RateGate, UnknownProviderError
from ai_trader.resilience.resilient_executor import ResilientExecutor
from ai_trader.testing.orders import market_order

START = 1_700_000_000 * NANOS_PER_SECOND
OID = ClientOrderId("O-1")


class FlakyVenue:
    """An executor that records calls and fails the next ``failures`` of them."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.failures = 0
        self.error: Exception = TransientVenueError("connection reset")
        self.handler: ReportHandler | None = None

    @property
    def venue(self) -> str:
        return "FLAKY"

    def connect(self, handler: ReportHandler) -> None:
        self.handler = handler

    def _touch(self, name: str) -> None:
        self.calls.append(name)
        if self.failures:
            self.failures -= 1
            raise self.error

    def submit(self, order: Order) -> None:
        self._touch("submit")

    def cancel(self, client_order_id: ClientOrderId) -> None:
        self._touch("cancel")

    def query_order(self, client_order_id: ClientOrderId) -> Order | None:
        self._touch("query_order")
        return None

    def open_orders(self) -> Sequence[Order]:
        self._touch("open_orders")
        return []

    def fills(self) -> Sequence[Fill]:
        self._touch("fills")
        return []

    def positions(self) -> Mapping[str, Decimal]:
        self._touch("positions")
        return {"BTC/USDT": Decimal("1")}

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        self._touch("order_state")
        return VenueOrderState(order(), VenueOrderId("V-1"), OrderStatus.ACCEPTED, Decimal(1))

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        self._touch("fills_since")
        return []

    def balances(self) -> Mapping[str, Decimal]:
        self._touch("balances")
        return {"USDT": Decimal("100")}


class FlakyReconcilableVenue(FlakyVenue):
    def order_states(self) -> list[VenueOrderState]:
        self._touch("order_states")
        return []


class Harness:
    def __init__(self, inner: FlakyVenue, limit: int = 100) -> None:
        self.clock = TestClock(START)
        self.sleeps: list[float] = []
        self.inner = inner
        self.breakers = BreakerRegistry(self.clock, failure_threshold=3)
        budget = RateBudget(
            provider="binance",
            limit=limit,
            window_seconds=10,
            weights={"order": 1, "cancel": 1, "query": 2, "account": 5},
        )
        self.gate = RateGate({"binance": budget}, self.clock, sleeper=self.sleep)
        self.executor = ResilientExecutor(inner, self.breakers, self.gate, "binance")

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock.advance(round(seconds * NANOS_PER_SECOND))

    def used(self) -> int:
        return self.gate.status()[0].used


@pytest.fixture
def harness() -> Harness:
    return Harness(FlakyVenue())


def order() -> Order:
    return market_order(Side.BUY, 1, client_order_id="O-1")


def test_is_an_executor_and_passes_venue_and_connect_through(harness: Harness) -> None:
    events: list[Event] = []

    harness.executor.connect(events.append)

    assert isinstance(harness.executor, Executor)
    assert isinstance(harness.inner, Executor)
    assert harness.executor.venue == "FLAKY"
    assert harness.inner.handler is not None
    assert harness.executor.inner is harness.inner
    assert harness.inner.calls == []


def test_every_port_call_reaches_the_inner_executor_through_the_gate(harness: Harness) -> None:
    executor = harness.executor

    executor.submit(order())
    executor.cancel(OID)
    assert executor.query_order(OID) is None
    assert executor.open_orders() == []
    assert executor.fills() == []
    assert executor.positions() == {"BTC/USDT": Decimal("1")}

    calls = ["submit", "cancel", "query_order", "open_orders", "fills", "positions"]
    assert harness.inner.calls == calls
    assert harness.used() == 1 + 1 + 2 + 2 + 2 + 5
    assert harness.breakers.names() == ["binance:orders", "binance:queries"]


def test_transient_failures_open_the_orders_breaker(harness: Harness) -> None:
    harness.inner.failures = 3

    for _ in range(3):
        with pytest.raises(TransientVenueError):
            harness.executor.submit(order())

    assert harness.breakers.get("binance", "orders").state == "open"
    assert harness.breakers.get("binance", "queries").state == "closed"


def test_open_breaker_refuses_submit_before_anything_is_sent(harness: Harness) -> None:
    harness.inner.failures = 3
    for _ in range(3):
        with pytest.raises(TransientVenueError):
            harness.executor.submit(order())
    used = harness.used()

    with pytest.raises(CircuitOpenError, match="binance:orders"):
        harness.executor.submit(order())
    with pytest.raises(CircuitOpenError):
        harness.executor.cancel(OID)

    assert harness.inner.calls == ["submit"] * 3
    assert harness.used() == used  # no budget spent either
    assert harness.executor.positions()  # queries are another breaker


def test_breaker_recovers_after_the_timeout_with_a_good_call(harness: Harness) -> None:
    harness.inner.failures = 3
    for _ in range(3):
        with pytest.raises(TransientVenueError):
            harness.executor.cancel(OID)

    harness.clock.advance(60 * NANOS_PER_SECOND)
    harness.executor.submit(order())

    assert harness.breakers.get("binance", "orders").state == "closed"
    assert harness.inner.calls[-1] == "submit"


def test_venue_rejection_does_not_open_the_breaker(harness: Harness) -> None:
    harness.inner.failures = 5
    harness.inner.error = VenueRejectedError("insufficient balance")

    for _ in range(5):
        with pytest.raises(VenueRejectedError):
            harness.executor.submit(order())

    assert harness.breakers.any_open() is None


def test_gate_limits_calls_by_waiting_for_the_budget() -> None:
    harness = Harness(FlakyVenue(), limit=5)

    for _ in range(7):
        harness.executor.submit(order())

    assert harness.inner.calls == ["submit"] * 7
    assert len(harness.sleeps) == 1
    assert harness.sleeps[0] == pytest.approx(10.0, abs=0.01)
    assert harness.gate.status()[0].backoff_count == 1


def test_venue_state_methods_go_through_the_queries_breaker(harness: Harness) -> None:
    executor = harness.executor

    state = executor.order_state(OID)
    assert executor.fills_since(42) == []
    assert executor.balances() == {"USDT": Decimal("100")}

    assert state is not None
    assert state.status is OrderStatus.ACCEPTED
    assert harness.inner.calls == ["order_state", "fills_since", "balances"]
    assert harness.used() == 2 + 2 + 5
    assert harness.breakers.names() == ["binance:queries"]


def test_order_states_delegates_when_the_inner_has_it() -> None:
    harness = Harness(FlakyReconcilableVenue())

    assert harness.executor.order_states() == []
    assert harness.inner.calls == ["order_states"]
    assert harness.used() == 2


def test_order_states_when_the_inner_lacks_it_then_not_implemented(harness: Harness) -> None:
    with pytest.raises(NotImplementedError, match="FlakyVenue has no order_states"):
        harness.executor.order_states()

    assert harness.used() == 0


def test_provider_without_budget_then_refused_at_construction(harness: Harness) -> None:
    with pytest.raises(UnknownProviderError, match="known: binance"):
        ResilientExecutor(harness.inner, harness.breakers, harness.gate, "kraken")
