"""Commands: imperative requests the engine executes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import OrderType, Side
from ai_trader.domain.orders import Order

OPERATOR = "operator"
"""The tag of orders an operator placed (API, CLI, chat) rather than a strategy."""


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    order: Order


@dataclass(frozen=True, slots=True)
class CancelOrder:
    client_order_id: ClientOrderId
    symbol: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OpenPosition:
    """An operator's entry: a market or limit order sized by ``quantity`` or by
    ``risk_fraction`` of equity (risked to the stop, or to zero without one), with an
    optional protective stop and take-profit given as prices."""

    symbol: str
    side: Side
    order_type: OrderType = OrderType.MARKET
    quantity: Decimal | None = None
    risk_fraction: Decimal | None = None
    limit_price: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.quantity is None) == (self.risk_fraction is None):
            raise ValueError("give exactly one of quantity and risk_fraction")
        if self.quantity is not None and self.quantity <= 0:
            raise ValueError(f"quantity must be positive, got {self.quantity}")
        if self.risk_fraction is not None and not 0 < self.risk_fraction <= 1:
            raise ValueError(f"risk_fraction must be in (0, 1], got {self.risk_fraction}")
        if self.order_type is OrderType.LIMIT:
            if self.limit_price is None or self.limit_price <= 0:
                raise ValueError("a limit order needs a positive limit_price")
        elif self.order_type is OrderType.MARKET:
            if self.limit_price is not None:
                raise ValueError("a market order takes no limit_price")
        else:
            raise ValueError(f"order_type must be market or limit, got {self.order_type}")

    def bracket_distances(self, entry: Decimal) -> tuple[Decimal | None, Decimal | None]:
        """Stop and take-profit as distances from ``entry``; ValueError when a level is on
        the wrong side of it (a long's stop above the entry, …)."""
        sign = self.side.sign
        stop = take = None
        if self.stop_loss is not None:
            stop = (entry - self.stop_loss) * sign
            if stop <= 0:
                raise ValueError(
                    f"stop_loss {self.stop_loss} must be {'below' if sign > 0 else 'above'} "
                    f"the entry price {entry} for a {self.side.value}"
                )
        if self.take_profit is not None:
            take = (self.take_profit - entry) * sign
            if take <= 0:
                raise ValueError(
                    f"take_profit {self.take_profit} must be {'above' if sign > 0 else 'below'} "
                    f"the entry price {entry} for a {self.side.value}"
                )
        return stop, take


Command = SubmitOrder | CancelOrder
