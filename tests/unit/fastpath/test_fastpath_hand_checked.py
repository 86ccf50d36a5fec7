"""Tiny hand-built markets whose trades are worked out by hand, then checked against both
the fast path and the engine."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import numpy as np
import pytest
from tests.unit.fastpath.engine_comparison import compare

from ai_trader.domain.bar import BarSeries
from ai_trader.fastpath import simulate
from ai_trader.runtime import SessionSpec
from ai_trader.testing import BASE_TS, MINUTE_NS, make_series

# closes chosen so that SMA(2) crosses above SMA(3) on bar 3 and back below on bar 6
CROSSING = [10.0, 10.0, 10.0, 11.0, 12.0, 11.0, 10.0, 9.0, 9.0]


def spec(**changes: object) -> SessionSpec:
    base = SessionSpec(cash=Decimal(1000), commission=0.0, sizing="fixed:1")
    return base.model_copy(update=changes)


def ohlc_series(rows: list[tuple[float, float, float, float]]) -> BarSeries:
    columns = np.array(rows, dtype=np.float64)
    ts = BASE_TS + MINUTE_NS * np.arange(1, len(rows) + 1, dtype=np.int64)
    return BarSeries("TEST/USD", ts, *columns.T, np.full(len(rows), 1_000.0))


def test_sma_cross_when_up_then_down_cross_then_one_long_from_next_open_to_next_open() -> None:
    series = make_series(CROSSING, wick=0.5)

    run = simulate("sma_cross", series, {"fast": 2, "slow": 3}, spec())

    trade = run.trades.iloc[0]
    assert len(run.trades) == 1
    assert (trade.direction, trade.entry_bar, trade.exit_bar) == ("long", 4, 7)
    assert (trade.entry_price, trade.exit_price, trade.quantity_lots) == (11.0, 10.0, 10**8)
    assert trade.net_pnl == -1.0
    assert run.stats["final_equity"] == 999.0
    assert run.equity.tolist() == [1000.0] * 4 + [1001.0, 1000.0, 999.0, 999.0, 999.0]


def test_sma_cross_when_commission_then_fee_on_each_side_of_the_notional() -> None:
    series = make_series(CROSSING, wick=0.5)

    run = simulate("sma_cross", series, {"fast": 2, "slow": 3}, spec(commission=0.001))

    trade = run.trades.iloc[0]
    assert trade.fees == pytest.approx(11 * 0.001 + 10 * 0.001, rel=1e-12)
    assert trade.net_pnl == pytest.approx(-1.021, rel=1e-12)
    compare("sma_cross", series, {"fast": 2, "slow": 3}, spec(commission=0.001))


def test_sma_cross_when_allow_short_then_the_down_cross_exits_and_opens_a_short() -> None:
    series = make_series(CROSSING, wick=0.5)
    params = {"fast": 2, "slow": 3, "allow_short": True}

    run = simulate("sma_cross", series, params, spec())

    assert run.stats["trades"] == 2  # the long and the short entry both filled
    assert run.stats["closed_trades"] == 1  # the short is still open at the end
    assert run.stats["final_equity"] == 1000.0  # -1 on the long, +1 on the short (10 → 9)
    compare("sma_cross", series, params, spec())


def test_sma_cross_when_all_in_then_quantity_is_cash_over_price_with_fee_floored_to_lot() -> None:
    series = make_series(CROSSING, wick=0.5)

    all_in = spec(sizing="all_in", commission=0.001)

    run = simulate("sma_cross", series, {"fast": 2, "slow": 3}, all_in)

    units = Decimal(1000) / (Decimal(11) * Decimal("1.001"))
    lots = (units / Decimal("1e-8")).to_integral_value(rounding=ROUND_DOWN)
    assert run.trades.iloc[0].quantity_lots == int(lots) == 9_081_827_263


def test_sma_cross_when_slippage_then_fills_move_against_the_taker_rounded_to_tick() -> None:
    series = make_series(CROSSING, wick=0.5)

    run = simulate("sma_cross", series, {"fast": 2, "slow": 3}, spec(slippage_bps=12.5))

    trade = run.trades.iloc[0]
    assert trade.entry_price == 11.01375  # 11 × 1.00125
    assert trade.exit_price == 9.9875  # 10 × 0.99875


def test_slippage_when_exactly_half_a_tick_then_rounds_half_to_even_like_decimal() -> None:
    # 11.00000035 × 1.1 = 12.100000385: half-way, to even → 12.10000038 (the float product
    # 12.100000385000001 would round up)
    closes = [10.0, 10.0, 10.0, 11.00000035, 12.0, 11.0, 10.0, 9.0, 9.0]
    series = make_series(closes, wick=0.5)
    params = {"fast": 2, "slow": 3}

    run = simulate("sma_cross", series, params, spec(slippage_bps=1000.0))

    assert run.trades.iloc[0].entry_price == 12.10000038
    compare("sma_cross", series, params, spec(slippage_bps=1000.0))


# Breakout(lookback=2, atr_period=2, atr_multiplier=1, risk_reward=2), worked out by hand:
# bar 2 closes above the 2-bar high (10.5) with ATR 1.3 → enter at bar 3's open 11.2 with a
# stop at 9.9 and a take-profit at 13.8; bar 3's low (9.8) touches the stop on the entry bar
# itself: exit at the stop price 9.9 (no gap rule for exits placed at this open).
# Bar 4 closes above the high of bars 2-3 (11.5) with ATR 2.0 → enter at bar 5's open 12,
# stop 10, take 16; bar 6 opens at 9.5, below the stop: exit at the open.
BREAKOUT_BARS = [
    (10.0, 10.5, 9.5, 10.0),
    (10.0, 10.5, 9.5, 10.0),
    (10.0, 11.5, 9.9, 11.2),
    (11.2, 11.5, 9.8, 10.0),
    (10.0, 12.5, 10.0, 12.0),
    (12.0, 12.5, 11.0, 11.5),
    (9.5, 9.8, 9.0, 9.2),
]
BREAKOUT_PARAMS = {"lookback": 2, "atr_period": 2, "atr_multiplier": 1.0, "risk_reward": 2.0}


def test_breakout_when_stop_touched_on_entry_bar_then_exit_at_stop_and_gap_exits_at_open() -> None:
    series = ohlc_series(BREAKOUT_BARS)

    run = simulate("breakout", series, BREAKOUT_PARAMS, spec())

    trades = run.trades
    assert trades[["entry_bar", "exit_bar"]].values.tolist() == [[3, 3], [5, 6]]
    assert trades.entry_price.tolist() == [11.2, 12.0]
    assert trades.exit_price.tolist() == [9.9, 9.5]
    compare("breakout", series, BREAKOUT_PARAMS, spec())


def test_breakout_when_take_profit_reached_then_exit_at_the_limit_without_slippage() -> None:
    rows = [*BREAKOUT_BARS[:3], (11.2, 14.0, 11.0, 13.9)]  # bar 3 reaches 13.8, not 9.9

    run = simulate("breakout", ohlc_series(rows), BREAKOUT_PARAMS, spec(slippage_bps=10.0))

    trade = run.trades.iloc[0]
    assert trade.entry_price == pytest.approx(11.2112, abs=1e-12)  # slipped 10 bps
    assert trade.exit_price == pytest.approx(11.2112 + 2.6, abs=1e-8)  # bracket from the fill
    compare("breakout", ohlc_series(rows), BREAKOUT_PARAMS, spec(slippage_bps=10.0))


def test_rsi_reversion_when_falls_then_recovers_then_buys_oversold_and_sells_recovered() -> None:
    closes = [10.0, 9.0, 8.0, 7.0, 8.0, 9.0, 10.0, 10.0]
    series = make_series(closes, wick=0.5)
    params = {"period": 2, "oversold": 30.0, "exit_level": 60.0}

    run = simulate("rsi_reversion", series, params, spec())

    # RSI(2) is 0 on bar 2 (two losses): buy at bar 3's open 8; it is 50 on bar 4 and 75 on
    # bar 5, above 60: sell at bar 6's open 9
    trade = run.trades.iloc[0]
    assert (trade.entry_bar, trade.entry_price) == (3, 8.0)
    assert (trade.exit_bar, trade.exit_price) == (6, 9.0)
    compare("rsi_reversion", series, params, spec())
