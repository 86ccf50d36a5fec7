"""Order and fill builders with short, readable defaults."""

from __future__ import annotations

from decimal import Decimal

from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.core.money import to_decimal
from ai_trader.domain.enums import LiquiditySide, OrderType, Side, SignalAction
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Bracket, Order
from ai_trader.domain.signals import Signal
from ai_trader.testing.bars import BASE_TS, DEFAULT_SYMBOL

Amount = Decimal | int | float | str


def market_order(
    side: Side,
    quantity: Amount = 1,
    *,
    client_order_id: str = "O-1",
    symbol: str = DEFAULT_SYMBOL,
    quote_quantity: Amount | None = None,
    reduce_only: bool = False,
    bracket: Bracket | None = None,
    ts_init: int = BASE_TS,
) -> Order:
    return Order(
        client_order_id=ClientOrderId(client_order_id),
        symbol=symbol,
        side=side,
        order_type=OrderType.MARKET,
        quantity=to_decimal(quantity),
        ts_init=ts_init,
        quote_quantity=None if quote_quantity is None else to_decimal(quote_quantity),
        reduce_only=reduce_only,
        bracket=bracket,
    )


def limit_order(
    side: Side,
    quantity: Amount,
    price: Amount,
    *,
    client_order_id: str = "O-1",
    symbol: str = DEFAULT_SYMBOL,
    reduce_only: bool = False,
    ts_init: int = BASE_TS,
) -> Order:
    return Order(
        client_order_id=ClientOrderId(client_order_id),
        symbol=symbol,
        side=side,
        order_type=OrderType.LIMIT,
        quantity=to_decimal(quantity),
        ts_init=ts_init,
        price=to_decimal(price),
        reduce_only=reduce_only,
    )


def stop_order(
    side: Side,
    quantity: Amount,
    price: Amount,
    *,
    client_order_id: str = "O-1",
    symbol: str = DEFAULT_SYMBOL,
    reduce_only: bool = False,
    ts_init: int = BASE_TS,
) -> Order:
    return Order(
        client_order_id=ClientOrderId(client_order_id),
        symbol=symbol,
        side=side,
        order_type=OrderType.STOP,
        quantity=to_decimal(quantity),
        ts_init=ts_init,
        price=to_decimal(price),
        reduce_only=reduce_only,
    )


def make_fill(
    side: Side,
    quantity: Amount,
    price: Amount,
    fee: Amount = 0,
    *,
    symbol: str = DEFAULT_SYMBOL,
    client_order_id: str = "O-1",
    trade_id: str = "T-1",
    venue: str = "SIM",
    liquidity: LiquiditySide = LiquiditySide.TAKER,
    ts_event: int = BASE_TS,
) -> Fill:
    return Fill(
        client_order_id=ClientOrderId(client_order_id),
        venue_order_id=VenueOrderId(f"{venue}-{client_order_id}"),
        trade_id=TradeId(trade_id),
        venue=venue,
        symbol=symbol,
        side=side,
        quantity=to_decimal(quantity),
        price=to_decimal(price),
        fee=to_decimal(fee),
        liquidity=liquidity,
        ts_event=ts_event,
    )


def make_signal(
    action: SignalAction,
    price: float = 100.0,
    *,
    symbol: str = DEFAULT_SYMBOL,
    ts_event: int = BASE_TS,
    strategy: str = "test",
    stop_distance: Amount | None = None,
    take_profit_distance: Amount | None = None,
) -> Signal:
    """A strategy's signal at reference price ``price`` (the bar's close)."""
    return Signal(
        symbol=symbol,
        action=action,
        ts_event=ts_event,
        reference_price=price,
        strategy=strategy,
        stop_distance=None if stop_distance is None else to_decimal(stop_distance),
        take_profit_distance=(
            None if take_profit_distance is None else to_decimal(take_profit_distance)
        ),
    )
