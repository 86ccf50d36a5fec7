"""The paper market resumes where it stopped: same price, bars for the time it was down,
reproducible from the seed, never more than ``MAX_MISSED_BARS`` drawn."""

from __future__ import annotations

from ai_trader.core.clock import NANOS_PER_SECOND
from ai_trader.live.paper_market import MAX_MISSED_BARS, open_paper_market

NOW = 1_800_000_000 * NANOS_PER_SECOND
SECOND = NANOS_PER_SECOND


def first_start(warmup: int = 50) -> tuple:
    market = open_paper_market(
        symbol="SYN/USD", seed=7, bar_seconds=1.0, warmup_bars=warmup, traded=(), now_ns=NOW
    )
    return market.history, market


def test_first_start_when_warmup_requested_then_history_ends_now_and_venue_gets_it() -> None:
    history, market = first_start(50)

    assert len(history) == 50
    assert [b.ts_event for b in history] == [NOW - i * SECOND for i in range(50, 0, -1)]
    assert market.venue_bars == history
    assert market.missed_bars == 0


def test_restart_when_down_for_a_while_then_missed_bars_continue_from_last_close() -> None:
    traded, _ = first_start(50)
    later = traded[-1].ts_event + 10 * SECOND + SECOND // 2

    market = open_paper_market(
        symbol="SYN/USD", seed=7, bar_seconds=1.0, warmup_bars=30, traded=traded, now_ns=later
    )

    assert market.missed_bars == 10
    assert [b.ts_event for b in market.venue_bars] == [
        traded[-1].ts_event + i * SECOND for i in range(1, 11)
    ]
    assert all(b.ts_event <= later for b in market.venue_bars)
    assert market.history == (*traded, *market.venue_bars)[-30:]
    first_open = market.venue_bars[0].open
    assert abs(first_open / traded[-1].close - 1) < 0.05  # continues, does not jump back
    next_live = market.stream.next_bar(later + SECOND)
    assert next_live.ts_event > market.venue_bars[-1].ts_event


def test_restart_when_same_moment_twice_then_same_bars() -> None:
    traded, _ = first_start(20)
    later = traded[-1].ts_event + 5 * SECOND

    def reopen() -> tuple:
        market = open_paper_market(
            symbol="SYN/USD", seed=7, bar_seconds=1.0, warmup_bars=20, traded=traded, now_ns=later
        )
        return market.venue_bars

    assert reopen() == reopen()


def test_restart_when_down_longer_than_the_cap_then_only_the_latest_slots_are_drawn() -> None:
    traded, _ = first_start(5)
    slots = MAX_MISSED_BARS + 500
    later = traded[-1].ts_event + slots * SECOND

    market = open_paper_market(
        symbol="SYN/USD", seed=7, bar_seconds=1.0, warmup_bars=5, traded=traded, now_ns=later
    )

    assert market.missed_bars == slots
    assert len(market.venue_bars) == MAX_MISSED_BARS
    assert market.venue_bars[-1].ts_event == later
    assert market.venue_bars[0].ts_event == later - (MAX_MISSED_BARS - 1) * SECOND
