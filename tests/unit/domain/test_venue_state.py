from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.core.errors import InvariantViolation
from ai_trader.core.ids import ClientOrderId, VenueOrderId
from ai_trader.domain.enums import OrderStatus, Side
from ai_trader.domain.events import OrderAccepted, OrderCanceled, OrderFilled
from ai_trader.domain.venue_state import base_and_quote, next_state
from ai_trader.testing import limit_order, make_fill


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [("BTC/USDT", ("BTC", "USDT")), ("BTC/USDT:USDT", ("BTC", "USDT")), ("AAA", ("AAA", "USD"))],
)
def test_base_and_quote_of_symbol(symbol: str, expected: tuple[str, str]) -> None:
    assert base_and_quote(symbol) == expected


def test_next_state_follows_accept_fill_cancel() -> None:
    order = limit_order(Side.BUY, 1, 100)
    accepted = next_state(None, OrderAccepted(order, VenueOrderId("V-1"), 1))
    assert accepted is not None
    assert accepted.status is OrderStatus.ACCEPTED
    canceled = next_state(accepted, OrderCanceled(order.client_order_id, "asked", 2))
    assert canceled is not None
    assert (canceled.status, canceled.reason) == (OrderStatus.CANCELED, "asked")
    assert next_state(None, OrderCanceled(ClientOrderId("X"), "asked", 2)) is None


def test_fill_for_unknown_order_then_invariant_violation() -> None:
    with pytest.raises(InvariantViolation):
        next_state(None, OrderFilled(make_fill(Side.BUY, 1, 100), Decimal(0), 1))
