"""Orders and brackets are validated when built."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import OrderType, Side
from ai_trader.domain.orders import Bracket, Order
from ai_trader.testing import limit_order, market_order, stop_order


def order(**fields: object) -> Order:
    base: dict[str, object] = {
        "client_order_id": ClientOrderId("O-1"),
        "symbol": "X",
        "side": Side.BUY,
        "order_type": OrderType.MARKET,
        "quantity": Decimal(1),
        "ts_init": 0,
    }
    base.update(fields)
    return Order(**base)  # type: ignore[arg-type]


def test_market_order_without_price_is_valid() -> None:
    built = market_order(Side.SELL, "2.5")

    assert built.quantity == Decimal("2.5")
    assert built.price is None
    assert built.is_entry


def test_market_order_with_a_price_is_refused() -> None:
    with pytest.raises(ValueError, match="a market order takes no price"):
        order(price=Decimal(100))


@pytest.mark.parametrize("order_type", [OrderType.LIMIT, OrderType.STOP])
@pytest.mark.parametrize("price", [None, Decimal(0), Decimal(-1)])
def test_limit_and_stop_orders_need_a_positive_price(
    order_type: OrderType, price: Decimal | None
) -> None:
    with pytest.raises(ValueError, match=f"a {order_type} order needs a positive price"):
        order(order_type=order_type, price=price)


def test_limit_and_stop_builders_make_priced_orders() -> None:
    assert limit_order(Side.BUY, 1, "99.5").price == Decimal("99.5")
    assert stop_order(Side.SELL, 1, 95).order_type is OrderType.STOP


@pytest.mark.parametrize("quantity", [Decimal(0), Decimal("-0.1")])
def test_quantity_must_be_positive(quantity: Decimal) -> None:
    with pytest.raises(ValueError, match="order quantity must be positive"):
        order(quantity=quantity)


def test_quote_quantity_is_allowed_on_a_market_buy_and_replaces_the_quantity() -> None:
    built = order(quantity=Decimal(0), quote_quantity=Decimal(1000))

    assert built.quote_quantity == Decimal(1000)


@pytest.mark.parametrize(
    ("side", "order_type", "price"),
    [
        (Side.SELL, OrderType.MARKET, None),
        (Side.BUY, OrderType.LIMIT, Decimal(100)),
        (Side.BUY, OrderType.STOP, Decimal(100)),
    ],
)
def test_quote_quantity_only_on_market_buy(
    side: Side, order_type: OrderType, price: Decimal | None
) -> None:
    with pytest.raises(ValueError, match="quote_quantity is only allowed on market buy orders"):
        order(side=side, order_type=order_type, price=price, quote_quantity=Decimal(10))


def test_quote_quantity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="quote_quantity must be positive"):
        order(quote_quantity=Decimal(0))


def test_reduce_only_and_child_orders_are_not_entries() -> None:
    assert not order(reduce_only=True).is_entry
    assert not order(parent_id=ClientOrderId("P-1")).is_entry


def test_orders_are_immutable() -> None:
    built = market_order(Side.BUY)

    with pytest.raises(AttributeError):
        built.quantity = Decimal(2)  # type: ignore[misc]


def test_bracket_with_stop_take_profit_or_both() -> None:
    assert Bracket(stop_distance=Decimal(5)).take_profit_distance is None
    assert Bracket(take_profit_distance=Decimal(5)).stop_distance is None
    assert Bracket(Decimal(1), Decimal(2)) == Bracket(Decimal(1), Decimal(2))


def test_bracket_needs_at_least_one_leg() -> None:
    with pytest.raises(ValueError, match="needs a stop distance, a take-profit distance or both"):
        Bracket()


@pytest.mark.parametrize("field", ["stop_distance", "take_profit_distance"])
@pytest.mark.parametrize("value", [Decimal(0), Decimal(-1)])
def test_bracket_distances_must_be_positive(field: str, value: Decimal) -> None:
    with pytest.raises(ValueError, match=f"bracket {field} must be positive, got {value}"):
        Bracket(**{field: value})
