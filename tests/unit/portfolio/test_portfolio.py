"""Portfolio (ENG-4): cash, positions, realized and unrealized PnL net of fees, by hand."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from ai_trader.core.errors import InvariantViolation
from ai_trader.domain.enums import Side
from ai_trader.domain.fills import Fill
from ai_trader.portfolio import EquityCurve, Portfolio
from ai_trader.testing import make_fill

D = Decimal


def fill(
    side: Side, quantity: int | str, price: int | str, fee: str = "0", symbol: str = "X"
) -> Fill:
    return make_fill(side, quantity, price, fee, symbol=symbol)


@pytest.mark.parametrize("cash", [D(0), D(-1)])
def test_starting_cash_must_be_positive(cash: Decimal) -> None:
    with pytest.raises(ValueError, match="starting cash must be positive"):
        Portfolio(cash)


def test_new_portfolio_is_all_cash() -> None:
    portfolio = Portfolio(D(10_000))

    assert (portfolio.cash, portfolio.equity(), portfolio.fees_paid) == (D(10_000), D(10_000), D(0))
    assert portfolio.open_positions() == []
    assert portfolio.realized_pnl() == 0
    assert portfolio.unrealized_pnl() == 0
    assert portfolio.exposure() == 0.0


def test_buy_pays_notional_and_fee_from_cash() -> None:
    portfolio = Portfolio(D(10_000))

    position = portfolio.apply_fill(fill(Side.BUY, 10, 100, "1"))

    assert portfolio.cash == D(8_999)  # 10_000 - 10 * 100 - 1
    assert portfolio.fees_paid == D(1)
    assert (position.quantity, position.average_price) == (D(10), D(100))
    assert portfolio.position_quantity("X") == 10.0
    assert portfolio.realized_pnl() == D(-1)  # net of the entry fee


def test_marking_values_the_position_at_the_latest_close() -> None:
    portfolio = Portfolio(D(10_000))
    portfolio.apply_fill(fill(Side.BUY, 10, 100, "1"))

    equity = portfolio.mark("X", 110.0)

    assert equity == 10_099.0  # 8_999 + 10 * 110
    assert portfolio.equity() == D(10_099)
    assert portfolio.unrealized_pnl() == D(100)  # (110 - 100) * 10
    assert portfolio.positions_value() == D(1_100)
    assert portfolio.exposure() == pytest.approx(1_100 / 10_099)


def test_partial_sell_realizes_pnl_and_keeps_the_rest_marked() -> None:
    portfolio = Portfolio(D(10_000))
    portfolio.apply_fill(fill(Side.BUY, 10, 100, "1"))
    portfolio.mark("X", 110.0)

    portfolio.apply_fill(fill(Side.SELL, 4, 120, "0.48"))

    assert portfolio.cash == D("9478.52")  # 8_999 + 4 * 120 - 0.48
    assert portfolio.fees_paid == D("1.48")
    assert portfolio.realized_pnl() == D("78.52")  # (120 - 100) * 4 - 1.48
    assert portfolio.unrealized_pnl() == D(60)  # (110 - 100) * 6, still marked at 110
    assert portfolio.equity() == D("10138.52")  # 9478.52 + 6 * 110
    assert portfolio.equity() == D(10_000) + portfolio.realized_pnl() + portfolio.unrealized_pnl()


def test_closing_the_position_leaves_only_cash() -> None:
    portfolio = Portfolio(D(10_000))
    portfolio.apply_fill(fill(Side.BUY, 10, 100, "1"))

    portfolio.apply_fill(fill(Side.SELL, 10, 90, "0.9"))

    assert portfolio.cash == D("9898.1")  # 10_000 - 1_000 - 1 + 900 - 0.9
    assert portfolio.open_positions() == []
    assert portfolio.position_quantity("X") == 0.0
    assert portfolio.realized_pnl() == D("-101.9")
    assert portfolio.mark("X", 80.0) == 9898.1


def test_short_sale_adds_cash_and_owes_the_mark() -> None:
    portfolio = Portfolio(D(10_000))

    portfolio.apply_fill(fill(Side.SELL, 5, 200, "1"))
    equity = portfolio.mark("X", 190.0)

    assert portfolio.cash == D(10_999)  # 10_000 + 5 * 200 - 1
    assert equity == 10_049.0  # 10_999 - 5 * 190
    assert portfolio.unrealized_pnl() == D(50)  # (190 - 200) * -5
    assert portfolio.exposure() == pytest.approx(950 / 10_049)


def test_two_symbols_are_marked_independently() -> None:
    portfolio = Portfolio(D(10_000))
    portfolio.apply_fill(fill(Side.BUY, 1, 100, symbol="A"))
    portfolio.apply_fill(fill(Side.BUY, 2, 50, symbol="B"))

    portfolio.mark("A", 110.0)
    equity = portfolio.mark("B", 40.0)

    assert equity == 9_990.0  # 9_800 + 110 + 2 * 40
    assert portfolio.unrealized_pnl() == D(-10)
    assert portfolio.equity_float() == pytest.approx(float(portfolio.equity()))


def test_first_fill_seeds_the_mark_price_and_later_fills_do_not_move_it() -> None:
    portfolio = Portfolio(D(10_000))
    portfolio.apply_fill(fill(Side.BUY, 1, 100))
    portfolio.apply_fill(fill(Side.BUY, 1, 120))

    assert portfolio.mark_price("X") == D(100)


def test_mark_price_of_a_symbol_never_seen_is_an_invariant_violation() -> None:
    with pytest.raises(InvariantViolation, match="no price seen yet for Z"):
        Portfolio(D(1)).mark_price("Z")


def test_fills_feed_the_trade_log() -> None:
    portfolio = Portfolio(D(10_000))
    portfolio.apply_fill(fill(Side.BUY, 1, 100))

    portfolio.apply_fill(fill(Side.SELL, 1, 105))

    assert [t.gross_pnl for t in portfolio.trades.closed] == [D(5)]


def test_equity_curve_records_points_in_compact_arrays() -> None:
    curve = EquityCurve()
    append_time, append_equity = curve.appenders()

    curve.record(1, 100.0)
    append_time(2)
    append_equity(101.5)

    assert len(curve) == 2
    assert curve.timestamps.dtype == np.int64
    assert curve.timestamps.tolist() == [1, 2]
    assert curve.values.tolist() == [100.0, 101.5]
    assert curve.last == 101.5


def test_empty_equity_curve() -> None:
    curve = EquityCurve()

    assert (len(curve), curve.last) == (0, None)
    assert curve.timestamps.size == 0
    assert curve.values.size == 0
