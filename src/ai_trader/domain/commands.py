"""Commands: imperative requests the engine executes."""

from __future__ import annotations

from dataclasses import dataclass

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.orders import Order


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    order: Order


@dataclass(frozen=True, slots=True)
class CancelOrder:
    client_order_id: ClientOrderId
    symbol: str
    reason: str = ""


Command = SubmitOrder | CancelOrder
