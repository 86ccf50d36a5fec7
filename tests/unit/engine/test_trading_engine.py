"""The trading engine (ENG-2) on the simulated venue: per-bar order of operations, halts,
isolation of failing strategies, and the invariants on fills."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.adapters.sim import MarketFill
from ai_trader.core.errors import InvariantViolation, StrategyError
from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import OrderStatus, Side, SignalAction
from ai_trader.domain.events import (
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderSubmitted,
    TradingHalted,
)
from ai_trader.testing import (
    RaisingStrategy,
    ScriptedStrategy,
    bars_from_closes,
    build_engine,
    make_fill,
)

D = Decimal
LONG, EXIT = SignalAction.ENTER_LONG, SignalAction.EXIT
CLOSES = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]  # each bar opens at the previous close


def bars(closes: list[float] = CLOSES, volume: float = 1_000.0) -> list[Bar]:
    return bars_from_closes(closes, wick=0.5, volume=volume)


def test_signal_on_bar_t_fills_at_bar_t_plus_one_open() -> None:
    data = bars()
    strategy = ScriptedStrategy({1: LONG})
    harness = build_engine(data, strategies=[strategy])

    harness.run()

    [fill] = harness.fills()
    assert (fill.price, fill.ts_event) == (D(data[2].open), data[2].ts_event)
    assert strategy.fills_seen == [fill]
    assert harness.engine.orders.records()[0].status is OrderStatus.FILLED
    assert harness.portfolio.position("TEST/USD").quantity == 1


def test_paper_mode_fills_the_signal_at_the_same_bars_close() -> None:
    data = bars()
    harness = build_engine(
        data, strategies=[ScriptedStrategy({1: LONG})], market_fill=MarketFill.LAST_PRICE
    )

    harness.run()

    [fill] = harness.fills()
    assert (fill.price, fill.ts_event) == (D(data[1].close), data[1].ts_event)


def test_signal_on_the_last_bar_never_fills() -> None:
    harness = build_engine(bars(), strategies=[ScriptedStrategy({5: LONG})])

    harness.run()

    assert harness.fills() == []
    [record] = harness.engine.orders.records()
    assert record.status is OrderStatus.ACCEPTED
    assert harness.engine.has_working_entry("TEST/USD")


def test_exit_signal_closes_the_position_at_the_next_open() -> None:
    data = bars()
    harness = build_engine(data, strategies=[ScriptedStrategy({1: LONG, 3: EXIT})], fee=0.001)

    harness.run()

    # signal on bar 1 → bar 2 opens at 11; signal on bar 3 → bar 4 opens at 13
    assert [(f.side, f.price) for f in harness.fills()] == [(Side.BUY, D(11)), (Side.SELL, D(13))]
    assert [f.ts_event for f in harness.fills()] == [data[2].ts_event, data[4].ts_event]
    [trade] = harness.portfolio.trades.closed
    assert trade.net_pnl == D("1.976")  # (13 - 11) - 0.011 - 0.013
    assert harness.portfolio.open_positions() == []


def test_equity_is_recorded_once_per_bar_at_the_bar_close() -> None:
    data = bars()
    harness = build_engine(data, strategies=[ScriptedStrategy({0: LONG})], cash=1_000)

    assert harness.run() == len(data)

    curve = harness.portfolio.equity_curve
    assert curve.timestamps.tolist() == [b.ts_event for b in data]
    # bought 1 at the open of bar 1 (10): equity = 990 + close
    assert curve.values.tolist() == [1_000.0, 1_001.0, 1_002.0, 1_003.0, 1_004.0, 1_005.0]


def test_entry_while_halted_is_denied_with_the_halt_reason_and_never_sent() -> None:
    data = bars()
    harness = build_engine(data, strategies=[ScriptedStrategy({0: LONG})])
    harness.risk.halt_entries("operator: halted for the test", data[0].ts_event)

    harness.run()

    [denied] = harness.recorder.of_type(OrderDenied)
    assert denied.reason == "operator: halted for the test"
    assert denied.side is Side.BUY
    assert harness.recorder.of_type(OrderSubmitted) == []
    assert harness.venue.open_orders() == []


def test_loss_limit_reached_during_the_run_halts_the_next_entries() -> None:
    data = bars([100.0, 100.0, 100.0, 90.0, 90.0, 90.0])
    strategy = ScriptedStrategy({0: LONG, 4: LONG})
    harness = build_engine(data, strategies=[strategy], sizing="fixed:50")

    harness.run()

    [halted] = harness.recorder.of_type(TradingHalted)
    assert halted.ts_event == data[3].ts_event  # equity 9_500: -5% on the day
    [denied] = harness.recorder.of_type(OrderDenied)
    assert denied.reason == halted.reason
    assert denied.reason.startswith("max_daily_loss")
    assert len(harness.fills()) == 1


def test_strategy_that_raises_is_detached_and_the_run_continues(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failing = RaisingStrategy(ValueError("boom"), fail_at=1)
    survivor = ScriptedStrategy({3: LONG})
    harness = build_engine(bars(), strategies=[failing, survivor])

    processed = harness.run()

    assert processed == 6
    assert failing.calls == 2
    assert harness.engine.strategies == [survivor]
    assert len(survivor.bars_seen) == 6
    assert len(harness.fills()) == 1
    assert "strategy raising failed" in caplog.text


def test_strategy_raising_strategy_error_is_isolated_too() -> None:
    failing = RaisingStrategy(StrategyError("model unavailable"), fail_at=1)
    harness = build_engine(bars(), strategies=[failing, ScriptedStrategy({})])

    assert harness.run() == 6


def test_invariant_violation_inside_a_strategy_stops_the_run() -> None:
    harness = build_engine(bars(), strategies=[RaisingStrategy(InvariantViolation("corrupt"))])

    with pytest.raises(InvariantViolation, match="corrupt"):
        harness.run()


def test_fill_for_an_unknown_order_is_an_invariant_violation() -> None:
    harness = build_engine(bars())
    ghost = make_fill(Side.BUY, 1, 10, client_order_id="ghost", trade_id="T-9")

    with pytest.raises(InvariantViolation, match="fill T-9 for unknown order ghost"):
        harness.engine.process(OrderFilled(ghost, D(0), ghost.ts_event))


def test_duplicate_fill_with_the_same_trade_id_is_ignored() -> None:
    harness = build_engine(bars(), strategies=[ScriptedStrategy({0: LONG})], fee=0.001)
    harness.run()
    [filled] = harness.recorder.of_type(OrderFilled)
    cash, fees = harness.portfolio.cash, harness.portfolio.fees_paid

    harness.engine.process(filled)

    assert (harness.portfolio.cash, harness.portfolio.fees_paid) == (cash, fees)
    assert harness.portfolio.position("TEST/USD").quantity == 1
    assert len(harness.engine.orders.records()[0].fills) == 1
    assert len(harness.recorder.of_type(OrderFilled)) == 1


def test_exit_cancels_the_working_bracket_legs_before_closing() -> None:
    strategy = ScriptedStrategy({0: LONG, 2: EXIT}, stop_distance=D(5), take_profit_distance=D(5))
    harness = build_engine(bars(), strategies=[strategy])

    harness.run()

    canceled = {e.client_order_id for e in harness.recorder.of_type(OrderCanceled)}
    assert canceled == {"TEST-1.sl", "TEST-1.tp"}
    assert [f.client_order_id for f in harness.fills()] == ["TEST-1", "TEST-2"]
    assert harness.portfolio.open_positions() == []
    assert not harness.venue.working_orders


def test_bracket_legs_created_by_the_venue_are_booked_by_the_engine() -> None:
    data = bars([10.0, 10.0, 10.0, 7.0, 7.0])  # bar 3 falls through the stop at 9
    strategy = ScriptedStrategy({0: LONG}, stop_distance=D(1))
    harness = build_engine(data, strategies=[strategy])

    harness.run()

    stop = harness.engine.orders.get("TEST-1.sl")  # type: ignore[arg-type]
    assert stop is not None
    assert stop.status is OrderStatus.FILLED
    assert harness.fills()[-1].price == D(9)
    assert harness.portfolio.open_positions() == []


def test_stop_finishes_the_current_bar_and_returns() -> None:
    harness = build_engine(bars())
    seen: list[Bar] = []

    def stop_after_three(bar: Bar) -> None:
        seen.append(bar)
        if len(seen) == 3:
            harness.engine.stop()

    harness.engine.subscribe_bars(stop_after_three)

    assert harness.run() == 3
    assert harness.engine.bars_processed == 3


def test_exit_after_a_partially_filled_entry_ends_flat() -> None:
    data = bars(volume=10.0)  # max_volume_share 0.1 → 1 unit per bar
    strategy = ScriptedStrategy({0: LONG, 1: EXIT})
    harness = build_engine(data, strategies=[strategy], sizing="fixed:3", max_volume_share=0.1)

    harness.run()

    assert harness.portfolio.position("TEST/USD").quantity == 0


def test_multi_symbol_run_trades_every_symbol() -> None:
    first = bars_from_closes(CLOSES, symbol="AAA/USD")
    second = bars_from_closes(CLOSES, symbol="BBB/USD")
    merged = sorted(first + second, key=lambda b: (b.ts_event, b.symbol))
    strategies = [ScriptedStrategy({0: LONG}, "AAA/USD"), ScriptedStrategy({0: LONG}, "BBB/USD")]
    harness = build_engine(merged, strategies=strategies)

    harness.run()

    assert {f.symbol for f in harness.fills()} == {"AAA/USD", "BBB/USD"}
