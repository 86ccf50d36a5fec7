"""A working order inside the simulated venue."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ai_trader.core.ids import VenueOrderId
from ai_trader.domain.bar import Bar
from ai_trader.domain.orders import Order


@dataclass(slots=True)
class WorkingOrder:
    order: Order
    venue_order_id: VenueOrderId
    remaining: Decimal | None  # None until a quote-sized order is converted at its fill price
    price_float: float
    check_open: bool = True
    last_matched_ts: int = -1

    @classmethod
    def create(cls, order: Order, venue_order_id: VenueOrderId) -> WorkingOrder:
        remaining = None if order.quote_quantity is not None else order.quantity
        price = float(order.price) if order.price is not None else 0.0
        return cls(order, venue_order_id, remaining, price)

    def matched_on(self, bar: Bar) -> bool:
        return self.last_matched_ts == bar.ts_event
