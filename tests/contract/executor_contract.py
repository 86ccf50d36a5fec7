"""The one executor contract (SPEC EXE-1): every venue adapter passes these behaviours.

A test module builds a ``VenueHarness`` for its venue and runs each function of
``BEHAVIOURS`` against it (Hummingbot's shared connector test idea). The behaviours use only
the ``Executor`` port plus the harness' handles on the market: a price, the venue's time,
and a way to make the next submit's answer get lost after the venue accepted the order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from ai_trader.core.errors import TransientVenueError
from ai_trader.core.ids import ClientOrderId
from ai_trader.core.money import ZERO
from ai_trader.domain.enums import OrderStatus, OrderType, Side
from ai_trader.domain.events import (
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
)
from ai_trader.domain.orders import Order
from ai_trader.ports.executor import Executor

SECOND_NS = 1_000_000_000


@dataclass
class VenueHarness:
    """An executor connected to ``events``, and handles on the venue behind it."""

    executor: Executor
    symbol: str
    base: str
    quote: str
    price: Decimal
    quantity: Decimal  # a valid order size at ``price``
    starting_balances: Mapping[str, Decimal]
    advance: Callable[[int], None]  # the venue's time moves on by this many nanoseconds
    now_ns: Callable[[], int]
    arm_submit_timeout: Callable[[], None]  # next submit: accepted, but the answer is lost
    # futures: positions are signed contracts and the wallet holds only the margin asset,
    # which moves by realized PnL and fees (the notional is never paid)
    futures: bool = False
    events: list[Event] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> ClientOrderId:
        return ClientOrderId(f"CT-{next(self._ids)}")

    def market(self, side: Side = Side.BUY, quantity: Decimal | None = None) -> Order:
        return Order(
            self.next_id(), self.symbol, side, OrderType.MARKET, quantity or self.quantity, 0
        )

    def resting_limit_buy(self) -> Order:
        price = (self.price * Decimal("0.9")).quantize(Decimal("0.01"))
        return Order(
            self.next_id(), self.symbol, Side.BUY, OrderType.LIMIT, self.quantity, 0, price
        )

    def of(self, kind: type[Event], client_order_id: ClientOrderId) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind) and _client_id(e) == client_order_id]


def _client_id(event: Event) -> ClientOrderId | None:
    if isinstance(event, OrderAccepted):
        return event.order.client_order_id
    if isinstance(event, OrderFilled | OrderCanceled):
        return event.client_order_id
    return None


def submit_market_order_then_accepted_and_filled(h: VenueHarness) -> None:
    order = h.market()

    h.executor.submit(order)

    assert len(h.of(OrderAccepted, order.client_order_id)) == 1
    filled = [e for e in h.of(OrderFilled, order.client_order_id) if isinstance(e, OrderFilled)]
    assert sum(e.fill.quantity for e in filled) == h.quantity
    assert filled[-1].remaining == 0
    assert filled[0].fill.price > 0
    assert filled[0].fill.symbol == h.symbol
    assert filled[0].fill.side is Side.BUY
    state = h.executor.order_state(order.client_order_id)
    assert state is not None
    assert state.status is OrderStatus.FILLED


def submit_same_client_id_twice_then_one_order(h: VenueHarness) -> None:
    order = h.market()

    h.executor.submit(order)
    h.executor.submit(order)

    assert len(h.of(OrderAccepted, order.client_order_id)) == 1
    fills = [f for f in h.executor.fills() if f.client_order_id == order.client_order_id]
    assert sum(f.quantity for f in fills) == h.quantity


def cancel_working_limit_then_canceled_and_not_open(h: VenueHarness) -> None:
    order = h.resting_limit_buy()
    h.executor.submit(order)
    assert order.client_order_id in {o.client_order_id for o in h.executor.open_orders()}

    h.executor.cancel(order.client_order_id)

    assert len(h.of(OrderCanceled, order.client_order_id)) == 1
    assert order.client_order_id not in {o.client_order_id for o in h.executor.open_orders()}
    state = h.executor.order_state(order.client_order_id)
    assert state is not None
    assert state.status is OrderStatus.CANCELED


def query_by_client_id_then_known_found_and_unknown_none(h: VenueHarness) -> None:
    order = h.market()
    h.executor.submit(order)

    found = h.executor.query_order(order.client_order_id)
    state = h.executor.order_state(order.client_order_id)

    assert found is not None
    assert (found.client_order_id, found.symbol, found.side) == (
        order.client_order_id,
        order.symbol,
        order.side,
    )
    assert found.quantity == order.quantity
    assert state is not None
    assert state.venue_order_id is not None
    assert state.order.client_order_id == order.client_order_id
    unknown = ClientOrderId("NEVER-SENT-1")
    assert h.executor.query_order(unknown) is None
    assert h.executor.order_state(unknown) is None


def open_orders_then_only_working_ones(h: VenueHarness) -> None:
    filled = h.market()
    working = h.resting_limit_buy()

    h.executor.submit(filled)
    h.executor.submit(working)

    assert [o.client_order_id for o in h.executor.open_orders()] == [working.client_order_id]
    listed = h.executor.open_orders()[0]
    assert listed.price == working.price
    assert listed.quantity == working.quantity


def fills_since_then_only_fills_at_or_after_the_time(h: VenueHarness) -> None:
    first = h.market()
    h.executor.submit(first)
    h.advance(5 * SECOND_NS)
    since = h.now_ns()
    second = h.market()

    h.executor.submit(second)

    recent = h.executor.fills_since(since)
    assert [f.client_order_id for f in recent] == [second.client_order_id]
    assert all(f.ts_event >= since for f in recent)
    everything = {f.client_order_id for f in h.executor.fills_since(0)}
    assert everything == {first.client_order_id, second.client_order_id}


def positions_and_balances_then_follow_the_fills(h: VenueHarness) -> None:
    h.executor.submit(h.market(Side.BUY, h.quantity * 2))
    h.executor.submit(h.market(Side.SELL, h.quantity))

    fills = h.executor.fills()
    positions = h.executor.positions()
    balances = h.executor.balances()

    assert len(fills) == 2
    assert all(f.fee > 0 for f in fills)
    if h.futures:  # same price both ways: no realized PnL, only the fees leave the wallet
        assert positions.get(h.symbol, ZERO) == h.quantity
        assert h.base not in balances
        fees = sum((f.fee for f in fills), ZERO)
        assert balances.get(h.quote, ZERO) == h.starting_balances.get(h.quote, ZERO) - fees
        return
    assert positions.get(h.symbol, ZERO) == h.starting_balances.get(h.base, ZERO) + h.quantity
    assert balances.get(h.base, ZERO) == h.starting_balances.get(h.base, ZERO) + h.quantity
    spent = sum((f.signed_quantity * f.price + f.fee for f in fills), ZERO)
    assert balances.get(h.quote, ZERO) == h.starting_balances.get(h.quote, ZERO) - spent


def submit_times_out_after_acceptance_then_resolved_by_query(h: VenueHarness) -> None:
    order = h.market()
    h.arm_submit_timeout()

    with pytest.raises(TransientVenueError):
        h.executor.submit(order)

    state = h.executor.order_state(order.client_order_id)
    assert state is not None  # the caller learns the outcome by asking, not by resending
    assert state.venue_order_id is not None
    assert state.status in (OrderStatus.ACCEPTED, OrderStatus.FILLED)
    h.executor.submit(order)  # even a resend of the same id never makes a second order
    fills = [f for f in h.executor.fills() if f.client_order_id == order.client_order_id]
    assert sum((f.quantity for f in fills), ZERO) <= h.quantity


BEHAVIOURS: tuple[Callable[[VenueHarness], None], ...] = (
    submit_market_order_then_accepted_and_filled,
    submit_same_client_id_twice_then_one_order,
    cancel_working_limit_then_canceled_and_not_open,
    query_by_client_id_then_known_found_and_unknown_none,
    open_orders_then_only_working_ones,
    fills_since_then_only_fills_at_or_after_the_time,
    positions_and_balances_then_follow_the_fills,
    submit_times_out_after_acceptance_then_resolved_by_query,
)
