"""The venue's view of one order (SPEC EXE-1), and how order reports change it.

Every venue adapter answers ``order_state(client_order_id)`` with a ``VenueOrderState``;
recovery and reconciliation compare it with the journal. ``next_state`` is the one rule for
turning an order report (accepted, filled, rejected, canceled) into the next state, shared by
the simulated venues.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from ai_trader.core.errors import InvariantViolation
from ai_trader.core.ids import ClientOrderId, VenueOrderId
from ai_trader.domain.enums import OrderStatus
from ai_trader.domain.events import (
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
)
from ai_trader.domain.orders import Order

DEFAULT_QUOTE_ASSET = "USD"


@dataclass(frozen=True, slots=True)
class VenueOrderState:
    """What the venue knows of one order."""

    order: Order
    venue_order_id: VenueOrderId | None
    status: OrderStatus
    remaining: Decimal | None
    reason: str = ""


def report_client_order_id(event: Event) -> ClientOrderId | None:
    """The client order id an order report is about; None for any other event."""
    if isinstance(event, OrderAccepted | OrderRejected):
        return event.order.client_order_id
    if isinstance(event, OrderFilled | OrderCanceled):
        return event.client_order_id
    return None


def next_state(old: VenueOrderState | None, event: Event) -> VenueOrderState | None:
    """The state after ``event``; None when the event does not concern a known order."""
    if isinstance(event, OrderAccepted):
        status = old.status if old is not None else OrderStatus.ACCEPTED
        remaining = event.order.quantity if event.order.quote_quantity is None else None
        if old is not None and old.remaining is not None:  # a bracket exit grown by a fill
            remaining = old.remaining + event.order.quantity - old.order.quantity
        return VenueOrderState(event.order, event.venue_order_id, status, remaining)
    if isinstance(event, OrderFilled):
        if old is None:
            raise InvariantViolation(f"fill for unknown order {event.client_order_id!r}")
        status = OrderStatus.FILLED if event.remaining <= 0 else OrderStatus.PARTIALLY_FILLED
        return replace(old, status=status, remaining=event.remaining)
    if isinstance(event, OrderRejected):
        state = old or VenueOrderState(event.order, None, OrderStatus.REJECTED, None)
        return replace(state, status=OrderStatus.REJECTED, reason=event.reason)
    if isinstance(event, OrderCanceled) and old is not None:
        return replace(old, status=OrderStatus.CANCELED, reason=event.reason)
    return None


def base_and_quote(symbol: str) -> tuple[str, str]:
    """``"BTC/USDT"`` → ``("BTC", "USDT")``; a ccxt settle suffix (``":USDT"``) is dropped.
    A symbol without ``/`` is its own base asset, quoted in ``DEFAULT_QUOTE_ASSET``."""
    pair = symbol.split(":", 1)[0]
    base, slash, quote = pair.partition("/")
    return (base, quote) if slash and quote else (pair, DEFAULT_QUOTE_ASSET)
