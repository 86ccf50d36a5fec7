"""Built-in strategies emit their signals exactly on the documented bars of hand-made
price series. A ``FakeStrategyContext`` stands in for the engine: with instant fills the
strategy sees the position it asked for on the next bar."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import SignalAction
from ai_trader.strategies import Strategy, StrategyParams, create_strategy
from ai_trader.testing import FakeStrategyContext, bar_ts, bars_from_closes, make_bar

LONG, SHORT, EXIT = SignalAction.ENTER_LONG, SignalAction.ENTER_SHORT, SignalAction.EXIT

#            bar:  0     1     2     3     4     5     6     7     8    9
SMA_CLOSES = [10.0, 10.0, 10.0, 10.0, 12.0, 14.0, 14.0, 10.0, 8.0, 8.0]
# SMA(2):      -   10    10    10    11    13    14    12     9    8
# SMA(3):      -    -    10    10  10.67   12  13.33 12.67 10.67 8.67
# bar 4: 11 > 10.67 after 10 <= 10  → cross up;  bar 7: 12 < 12.67 after 14 >= 13.33 → down


def run(
    strategy: Strategy[StrategyParams], bars: Sequence[Bar], context: FakeStrategyContext
) -> list[tuple[int, SignalAction]]:
    strategy.attach(context)
    index_of = {bar.ts_event: i for i, bar in enumerate(bars)}
    for bar in bars:
        strategy.on_bar(bar)
    return [(index_of[s.ts_event], s.action) for s in context.signals]


def sma(allow_short: bool = False) -> Strategy[StrategyParams]:
    return create_strategy(
        "sma_cross", "TEST/USD", {"fast": 2, "slow": 3, "allow_short": allow_short}
    )


def test_sma_cross_enters_on_the_upward_cross_and_exits_on_the_downward_cross() -> None:
    signals = run(sma(), bars_from_closes(SMA_CLOSES), FakeStrategyContext())

    assert signals == [(4, LONG), (7, EXIT)]


def test_sma_cross_with_shorts_exits_the_long_and_goes_short_on_the_same_bar() -> None:
    signals = run(sma(allow_short=True), bars_from_closes(SMA_CLOSES), FakeStrategyContext())

    assert signals == [(4, LONG), (7, EXIT), (7, SHORT)]


def test_sma_cross_while_flat_ignores_the_downward_cross_when_long_only() -> None:
    signals = run(sma(), bars_from_closes(SMA_CLOSES), FakeStrategyContext(instant_fills=False))

    assert signals == [(4, LONG)]


def test_sma_cross_does_not_enter_while_an_entry_is_working() -> None:
    context = FakeStrategyContext(instant_fills=False)
    context.working_entries.add("TEST/USD")

    assert run(sma(), bars_from_closes(SMA_CLOSES), context) == []


def test_sma_cross_signal_is_priced_at_the_bar_close_and_names_itself() -> None:
    context = FakeStrategyContext()
    run(sma(), bars_from_closes(SMA_CLOSES), context)

    entry = context.signals[0]
    assert (entry.reference_price, entry.ts_event, entry.strategy) == (12.0, bar_ts(4), "sma_cross")
    assert entry.reason == "fast SMA crossed above slow SMA"


#            bar:  0     1     2     3    4    5    6     7     8
RSI_CLOSES = [10.0, 11.0, 12.0, 11.0, 9.0, 8.0, 9.0, 11.0, 12.0]
# RSI(2), Wilder: bar 2 → 100, bar 3 → 50, bar 4 → 16.7, bar 5 → 10, bar 6 → 50, bar 7 → 82


def test_rsi_reversion_enters_when_oversold_and_exits_above_the_exit_level() -> None:
    strategy = create_strategy(
        "rsi_reversion", "TEST/USD", {"period": 2, "oversold": 30, "exit_level": 55}
    )

    signals = run(strategy, bars_from_closes(RSI_CLOSES), FakeStrategyContext())

    assert signals == [(4, LONG), (7, EXIT)]


def test_rsi_reversion_repeats_the_entry_while_still_flat_and_oversold() -> None:
    strategy = create_strategy(
        "rsi_reversion", "TEST/USD", {"period": 2, "oversold": 30, "exit_level": 55}
    )

    signals = run(strategy, bars_from_closes(RSI_CLOSES), FakeStrategyContext(instant_fills=False))

    assert signals == [(4, LONG), (5, LONG)]


def test_rsi_reversion_waits_while_an_entry_is_working() -> None:
    strategy = create_strategy(
        "rsi_reversion", "TEST/USD", {"period": 2, "oversold": 30, "exit_level": 55}
    )
    context = FakeStrategyContext(instant_fills=False)
    context.working_entries.add("TEST/USD")

    assert run(strategy, bars_from_closes(RSI_CLOSES), context) == []


def breakout_bars() -> list[Bar]:
    rows = [  # open, high, low, close
        (10.0, 11.0, 9.0, 10.0),
        (10.0, 11.0, 9.0, 10.0),
        (10.0, 11.0, 9.0, 10.0),
        (10.0, 12.0, 10.0, 11.5),  # close 11.5 > 11, the high of bars 0-2; ATR(2) = 2
        (11.5, 13.0, 11.0, 12.5),  # close 12.5 > 12, the high of bars 1-3
    ]
    return [make_bar(*row, index=i) for i, row in enumerate(rows)]


def breakout() -> Strategy[StrategyParams]:
    params = {"lookback": 3, "atr_period": 2, "atr_multiplier": 2, "risk_reward": 2}
    return create_strategy("breakout", "TEST/USD", params)


def test_breakout_enters_above_the_channel_with_an_atr_bracket() -> None:
    context = FakeStrategyContext()

    signals = run(breakout(), breakout_bars(), context)

    assert signals == [(3, LONG)]
    entry = context.signals[0]
    assert entry.stop_distance == Decimal(4)  # 2 ATRs of 2
    assert entry.take_profit_distance == Decimal(8)  # 2 × the stop distance
    assert entry.reason == "close above 3-bar high"


def test_breakout_enters_again_on_each_breakout_while_flat() -> None:
    assert run(breakout(), breakout_bars(), FakeStrategyContext(instant_fills=False)) == [
        (3, LONG),
        (4, LONG),
    ]


def test_breakout_needs_the_close_strictly_above_the_channel() -> None:
    bars = [*breakout_bars()[:3], make_bar(10.0, 12.0, 10.0, 11.0, index=3)]

    assert run(breakout(), bars, FakeStrategyContext()) == []


def test_breakout_waits_while_an_entry_is_working() -> None:
    context = FakeStrategyContext(instant_fills=False)
    context.working_entries.add("TEST/USD")

    assert run(breakout(), breakout_bars(), context) == []
