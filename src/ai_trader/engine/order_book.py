"""The engine's own record of every order it sent and what became of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ai_trader.core.errors import InvariantViolation
from ai_trader.core.ids import ClientOrderId, VenueOrderId
from ai_trader.core.money import ZERO
from ai_trader.domain.enums import OrderStatus
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order


@dataclass(slots=True)
class OrderRecord:
    order: Order
    status: OrderStatus = OrderStatus.PENDING_SUBMIT
    filled: Decimal = ZERO
    venue_order_id: VenueOrderId | None = None
    reason: str = ""
    fills: list[Fill] = field(default_factory=list)


class OrderBook:
    def __init__(self) -> None:
        self._records: dict[ClientOrderId, OrderRecord] = {}
        self._open: dict[ClientOrderId, OrderRecord] = {}
        self._working_entries: dict[str, int] = {}
        self._trade_keys: set[tuple[str, str, str]] = set()
        self.filled_entries = 0

    def __len__(self) -> int:
        return len(self._records)

    def get(self, client_order_id: ClientOrderId) -> OrderRecord | None:
        return self._records.get(client_order_id)

    def records(self) -> list[OrderRecord]:
        return list(self._records.values())

    def open_records(self) -> list[OrderRecord]:
        return list(self._open.values())

    def has_working_entry(self, symbol: str) -> bool:
        return self._working_entries.get(symbol, 0) > 0

    def add(self, order: Order) -> OrderRecord:
        if order.client_order_id in self._records:
            raise InvariantViolation(f"client order id {order.client_order_id} used twice")
        record = self._records[order.client_order_id] = OrderRecord(order)
        self._open[order.client_order_id] = record
        if order.is_entry:
            self._working_entries[order.symbol] = self._working_entries.get(order.symbol, 0) + 1
        return record

    def accepted(self, order: Order, venue_order_id: VenueOrderId) -> OrderRecord:
        record = self._records.get(order.client_order_id)
        if record is None:  # created by the venue itself (bracket exits)
            record = self.add(order)
        record.order = order
        record.venue_order_id = venue_order_id
        if record.status is OrderStatus.PENDING_SUBMIT:
            record.status = OrderStatus.ACCEPTED
        return record

    def filled(self, fill: Fill, remaining: Decimal) -> OrderRecord | None:
        """Book a fill; returns None for a fill already booked (same venue trade id)."""
        key = (fill.venue, str(fill.venue_order_id), str(fill.trade_id))
        if key in self._trade_keys:
            return None
        record = self._records.get(fill.client_order_id)
        if record is None:
            raise InvariantViolation(
                f"fill {fill.trade_id} for unknown order {fill.client_order_id}"
            )
        self._trade_keys.add(key)
        if not record.fills and record.order.is_entry:
            self.filled_entries += 1
        record.fills.append(fill)
        record.filled += fill.quantity
        self._set_status(
            record, OrderStatus.FILLED if remaining <= 0 else OrderStatus.PARTIALLY_FILLED
        )
        return record

    def closed(self, client_order_id: ClientOrderId, status: OrderStatus, reason: str) -> None:
        record = self._records.get(client_order_id)
        if record is not None and record.status.is_open:
            record.reason = reason
            self._set_status(record, status)

    def _set_status(self, record: OrderRecord, status: OrderStatus) -> None:
        was_open = record.status.is_open
        record.status = status
        if was_open and not status.is_open:
            del self._open[record.order.client_order_id]
            if record.order.is_entry:
                self._working_entries[record.order.symbol] -= 1
