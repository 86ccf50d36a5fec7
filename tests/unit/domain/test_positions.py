"""Positions: average price and realized PnL after each fill, computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_trader.domain.enums import Side
from ai_trader.domain.positions import Position
from ai_trader.testing import make_fill

D = Decimal


def test_a_new_position_is_flat() -> None:
    position = Position("X")

    assert position.is_flat
    assert position.net_realized_pnl == 0


def test_buy_from_flat_opens_long_at_the_fill_price() -> None:
    position = Position("X").apply(make_fill(Side.BUY, 10, 100, fee="1", symbol="X"))

    assert position == Position("X", D(10), D(100), D(0), D(1))


def test_sell_from_flat_opens_short() -> None:
    position = Position("X").apply(make_fill(Side.SELL, 4, 50, symbol="X"))

    assert (position.quantity, position.average_price) == (D(-4), D(50))


def test_adding_to_a_long_averages_the_entry_price() -> None:
    long = Position("X", D(10), D(100), D(0), D(1))

    position = long.apply(make_fill(Side.BUY, 10, 110, fee="1.1", symbol="X"))

    # (10 * 100 + 10 * 110) / 20 = 105
    assert position == Position("X", D(20), D(105), D(0), D("2.1"))


def test_partial_close_realizes_pnl_on_the_closed_part_only() -> None:
    long = Position("X", D(20), D(105), D(0), D("2.1"))

    position = long.apply(make_fill(Side.SELL, 5, 120, fee="0.6", symbol="X"))

    # (120 - 105) * 5 = 75 realized; the rest keeps its average price
    assert position == Position("X", D(15), D(105), D(75), D("2.7"))
    assert position.net_realized_pnl == D("72.3")


def test_full_close_goes_flat_and_resets_the_average_price() -> None:
    long = Position("X", D(15), D(105), D(75), D("2.7"))

    position = long.apply(make_fill(Side.SELL, 15, 100, fee="1.5", symbol="X"))

    # 75 + (100 - 105) * 15 = 0
    assert position == Position("X", D(0), D(0), D(0), D("4.2"))
    assert position.is_flat


def test_flip_long_to_short_realizes_the_long_and_opens_the_rest_at_the_fill_price() -> None:
    long = Position("X", D(10), D(100))

    position = long.apply(make_fill(Side.SELL, 15, 110, fee="1.65", symbol="X"))

    # closes 10 at +10 each; the remaining 5 are short from 110
    assert position == Position("X", D(-5), D(110), D(100), D("1.65"))


def test_flip_short_to_long_realizes_the_short_loss() -> None:
    short = Position("X", D(-4), D(50))

    position = short.apply(make_fill(Side.BUY, 6, 55, symbol="X"))

    # short 4 from 50 covered at 55: (55 - 50) * 4 * -1 = -20
    assert position == Position("X", D(2), D(55), D(-20), D(0))


def test_covering_a_short_lower_realizes_a_gain() -> None:
    short = Position("X", D(-4), D(50))

    position = short.apply(make_fill(Side.BUY, 4, 40, symbol="X"))

    assert (position.quantity, position.realized_pnl) == (D(0), D(40))


def test_adding_to_a_short_averages_the_entry_price() -> None:
    short = Position("X", D(-2), D(50))

    position = short.apply(make_fill(Side.SELL, 2, 60, symbol="X"))

    assert (position.quantity, position.average_price) == (D(-4), D(55))


def test_unrealized_pnl_of_long_and_short() -> None:
    assert Position("X", D(10), D(100)).unrealized_pnl(D(90)) == D(-100)
    assert Position("X", D(-5), D(110)).unrealized_pnl(D(100)) == D(50)
    assert Position("X").unrealized_pnl(D(123)) == D(0)


def test_fill_of_another_symbol_is_refused() -> None:
    with pytest.raises(ValueError, match="fill for Y applied to position in X"):
        Position("X").apply(make_fill(Side.BUY, 1, 1, symbol="Y"))


def test_apply_returns_a_new_position_and_leaves_the_old_one_alone() -> None:
    before = Position("X", D(1), D(10))

    after = before.apply(make_fill(Side.BUY, 1, 20, symbol="X"))

    assert before == Position("X", D(1), D(10))
    assert after is not before


fills = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.decimals("0.01", "50", places=2),
        st.decimals("1", "500", places=2),
    ),
    min_size=1,
    max_size=30,
)


@given(fills, st.decimals("1", "500", places=2))
def test_realized_plus_unrealized_equals_the_cash_flows_plus_the_marked_position(
    trades: list[tuple[Side, Decimal, Decimal]], mark: Decimal
) -> None:
    position = Position("X")
    cash_flow = D(0)
    for side, quantity, price in trades:
        fill = make_fill(side, quantity, price, symbol="X")
        position = position.apply(fill)
        cash_flow -= fill.signed_quantity * fill.price

    total_pnl = position.realized_pnl + position.unrealized_pnl(mark)

    assert abs(total_pnl - (cash_flow + position.quantity * mark)) <= D("1e-12")
    assert position.quantity == sum((q if s is Side.BUY else -q for s, q, _ in trades), D(0))
