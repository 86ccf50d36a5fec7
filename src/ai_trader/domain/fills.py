"""Fills: what the venue executed. Unique by (venue, venue order id, trade id)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.domain.enums import LiquiditySide, Side


@dataclass(frozen=True, slots=True)
class Fill:
    client_order_id: ClientOrderId
    venue_order_id: VenueOrderId
    trade_id: TradeId
    venue: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal
    liquidity: LiquiditySide
    ts_event: int

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"fill quantity must be positive, got {self.quantity}")
        if self.price <= 0:
            raise ValueError(f"fill price must be positive, got {self.price}")
        if self.fee < 0:
            raise ValueError(f"fill fee must be >= 0, got {self.fee}")

    @property
    def notional(self) -> Decimal:
        return self.quantity * self.price

    @property
    def signed_quantity(self) -> Decimal:
        return self.quantity if self.side is Side.BUY else -self.quantity
