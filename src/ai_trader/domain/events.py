"""Events: facts, named in the past tense, published by the engine to its listeners."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ai_trader.core.ids import ClientOrderId, VenueOrderId
from ai_trader.domain.enums import Side
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.signals import Signal


@dataclass(frozen=True, slots=True)
class SignalGenerated:
    signal: Signal


@dataclass(frozen=True, slots=True)
class OrderDenied:
    """Risk refused an order before it reached the venue; ``reason`` says which limit.

    ``order`` is None when no valid order could even be built (e.g. the size rounds to 0).
    """

    client_order_id: ClientOrderId
    symbol: str
    side: Side
    reason: str
    ts_event: int
    order: Order | None = None


@dataclass(frozen=True, slots=True)
class OrderSubmitted:
    order: Order
    ts_event: int


@dataclass(frozen=True, slots=True)
class OrderAccepted:
    order: Order
    venue_order_id: VenueOrderId
    ts_event: int


@dataclass(frozen=True, slots=True)
class OrderRejected:
    """The venue refused the order."""

    order: Order
    reason: str
    ts_event: int


@dataclass(frozen=True, slots=True)
class OrderFilled:
    fill: Fill
    remaining: Decimal
    ts_event: int

    @property
    def client_order_id(self) -> ClientOrderId:
        return self.fill.client_order_id


@dataclass(frozen=True, slots=True)
class OrderCanceled:
    client_order_id: ClientOrderId
    reason: str
    ts_event: int


@dataclass(frozen=True, slots=True)
class TradingHalted:
    """New entries are refused until ``until_ns`` (None: until an operator resumes)."""

    reason: str
    ts_event: int
    until_ns: int | None = None


@dataclass(frozen=True, slots=True)
class TradingResumed:
    reason: str
    ts_event: int


Event = (
    SignalGenerated
    | OrderDenied
    | OrderSubmitted
    | OrderAccepted
    | OrderRejected
    | OrderFilled
    | OrderCanceled
    | TradingHalted
    | TradingResumed
)
