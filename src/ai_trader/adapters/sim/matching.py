"""Pure price rules of the simulated venue: does a working order trade on this bar, and
at what price? See docs/concepts/fills.md for the conventions these implement."""

from __future__ import annotations

from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import OrderType, Side


def trigger_price(
    order_type: OrderType, side: Side, price: float, bar: Bar, check_open: bool = True
) -> float | None:
    """Price at which a stop or limit order fills on ``bar``, or None if it does not.

    A stop buy fills when the high reaches the stop; a stop sell when the low does. A limit
    buy fills when the low reaches the limit; a limit sell when the high does. An order the
    open already gapped through fills at the open. ``check_open`` is False for orders placed
    after the open of this bar (bracket exits of an entry filled at this open).
    """
    if order_type is OrderType.STOP:
        if side is Side.BUY:
            if check_open and bar.open >= price:
                return bar.open
            return price if bar.high >= price else None
        if check_open and bar.open <= price:
            return bar.open
        return price if bar.low <= price else None
    if side is Side.BUY:
        if check_open and bar.open <= price:
            return bar.open
        return price if bar.low <= price else None
    if check_open and bar.open >= price:
        return bar.open
    return price if bar.high >= price else None
