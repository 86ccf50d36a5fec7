"""Round trips from flat to flat, with PnL net of fees, including partial exits and flips."""

from __future__ import annotations

from decimal import Decimal

from ai_trader.domain.enums import Side
from ai_trader.portfolio import ClosedTrade, Portfolio
from ai_trader.testing import make_fill

D = Decimal


def trade_through(*fills: tuple[Side, int, int, str, int]) -> Portfolio:
    """Apply (side, quantity, price, fee, ts) fills to a fresh portfolio."""
    portfolio = Portfolio(D(1_000_000))
    for side, quantity, price, fee, ts in fills:
        portfolio.apply_fill(make_fill(side, quantity, price, fee, symbol="X", ts_event=ts))
    return portfolio


def test_one_round_trip_is_one_closed_trade() -> None:
    portfolio = trade_through((Side.BUY, 10, 100, "1", 1), (Side.SELL, 10, 110, "1.1", 2))

    [trade] = portfolio.trades.closed
    assert trade == ClosedTrade("X", "long", 1, 2, D(10), D(100), D(110), D(100), D("2.1"))
    assert trade.net_pnl == D("97.9")
    assert trade.return_fraction == D("0.0979")  # 97.9 / (100 * 10)
    assert portfolio.trades.open_trade_count() == 0


def test_an_open_position_is_not_a_closed_trade() -> None:
    portfolio = trade_through((Side.BUY, 10, 100, "1", 1))

    assert portfolio.trades.closed == []
    assert portfolio.trades.open_trade_count() == 1


def test_partial_exits_make_one_trade_at_the_average_exit_price() -> None:
    portfolio = trade_through(
        (Side.BUY, 10, 100, "1", 1),
        (Side.SELL, 4, 110, "0.44", 2),
        (Side.SELL, 6, 120, "0.72", 3),
    )

    [trade] = portfolio.trades.closed
    assert trade.exit_price == D(116)  # (4 * 110 + 6 * 120) / 10
    assert trade.gross_pnl == D(160)  # (116 - 100) * 10
    assert trade.fees == D("2.16")
    assert (trade.entry_ts, trade.exit_ts) == (1, 3)


def test_scaling_in_averages_the_entry_price() -> None:
    portfolio = trade_through(
        (Side.BUY, 10, 100, "0", 1), (Side.BUY, 10, 110, "0", 2), (Side.SELL, 20, 120, "0", 3)
    )

    [trade] = portfolio.trades.closed
    assert (trade.quantity, trade.entry_price, trade.gross_pnl) == (D(20), D(105), D(300))
    assert trade.entry_ts == 1


def test_short_round_trip_at_a_loss() -> None:
    portfolio = trade_through((Side.SELL, 2, 50, "0.1", 1), (Side.BUY, 2, 60, "0.12", 2))

    [trade] = portfolio.trades.closed
    assert (trade.direction, trade.gross_pnl, trade.net_pnl) == ("short", D(-20), D("-20.22"))
    assert trade.return_fraction == D("-0.2022")  # -20.22 / (50 * 2)


def test_flip_closes_the_long_and_opens_a_short_splitting_the_fee() -> None:
    portfolio = trade_through(
        (Side.BUY, 10, 100, "1", 1),
        (Side.SELL, 15, 110, "1.65", 2),  # 10 close the long, 5 open a short
        (Side.BUY, 5, 100, "0.5", 3),
    )

    long, short = portfolio.trades.closed
    assert long == ClosedTrade("X", "long", 1, 2, D(10), D(100), D(110), D(100), D("2.1"))
    # the short carries 5/15 of the flip fee: 0.55, plus its exit fee 0.5
    assert short == ClosedTrade("X", "short", 2, 3, D(5), D(110), D(100), D(50), D("1.05"))
    assert sum(t.fees for t in portfolio.trades.closed) == portfolio.fees_paid


def test_closed_trades_add_up_to_the_realized_pnl_once_flat() -> None:
    portfolio = trade_through(
        (Side.BUY, 3, 100, "0.3", 1),
        (Side.SELL, 5, 90, "0.45", 2),
        (Side.BUY, 4, 95, "0.38", 3),
        (Side.SELL, 2, 99, "0.2", 4),
    )

    assert portfolio.open_positions() == []
    assert sum(t.net_pnl for t in portfolio.trades.closed) == portfolio.realized_pnl()
