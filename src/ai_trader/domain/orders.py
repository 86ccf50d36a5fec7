"""Orders: the immutable intent. Their lifecycle is tracked by the engine's order book."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import OrderType, Side


@dataclass(frozen=True, slots=True)
class Bracket:
    """Exit orders attached to an entry, as distances from the entry's fill price.

    When the entry fills at price P, the venue places a stop at ``P - stop_distance``
    and a take-profit limit at ``P + take_profit_distance`` (mirrored for a short); the
    two are one-cancels-the-other.
    """

    stop_distance: Decimal | None = None
    take_profit_distance: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("stop_distance", "take_profit_distance"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"bracket {name} must be positive, got {value}")
        if self.stop_distance is None and self.take_profit_distance is None:
            raise ValueError("a bracket needs a stop distance, a take-profit distance or both")


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the strategy and risk engine intended it.

    ``quantity`` is in base units. A market buy may instead give ``quote_quantity`` (spend
    this much quote currency, fees included), as venues such as Binance allow; the venue
    converts it at the fill price.
    """

    client_order_id: ClientOrderId
    symbol: str
    side: Side
    order_type: OrderType
    quantity: Decimal
    ts_init: int
    price: Decimal | None = None
    quote_quantity: Decimal | None = None
    reduce_only: bool = False
    bracket: Bracket | None = None
    parent_id: ClientOrderId | None = None
    oco_id: ClientOrderId | None = None
    tag: str = ""

    def __post_init__(self) -> None:
        if self.quote_quantity is not None:
            if self.order_type is not OrderType.MARKET or self.side is not Side.BUY:
                raise ValueError("quote_quantity is only allowed on market buy orders")
            if self.quote_quantity <= 0:
                raise ValueError(f"quote_quantity must be positive, got {self.quote_quantity}")
        elif self.quantity <= 0:
            raise ValueError(f"order quantity must be positive, got {self.quantity}")
        if self.order_type is OrderType.MARKET:
            if self.price is not None:
                raise ValueError("a market order takes no price")
        elif self.price is None or self.price <= 0:
            raise ValueError(f"a {self.order_type} order needs a positive price, got {self.price}")

    @property
    def is_entry(self) -> bool:
        return not self.reduce_only and self.parent_id is None
