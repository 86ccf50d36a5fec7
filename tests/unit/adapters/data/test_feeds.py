"""Bar feeds: replay and merge order, the bounded bar window, the live-paced synthetic feed."""

from __future__ import annotations

import threading
import time
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ai_trader.adapters.data as data_package
from ai_trader.adapters.data import (
    MAX_BARS_IN_MEMORY,
    BarSeriesFeed,
    BoundedBarWindow,
    LivePacedFeed,
    SyntheticBarStream,
    SyntheticMarketConfig,
    generate_bars,
)
from ai_trader.core.clock import LiveClock
from ai_trader.core.errors import ConfigurationError, DataError
from ai_trader.domain.bar import Bar, BarSeries
from ai_trader.ports.market_data import MarketDataFeed


def series_at(symbol: str, *ts_event: int) -> BarSeries:
    n = len(ts_event)
    prices = np.linspace(100.0, 101.0, n)
    return BarSeries(
        symbol,
        np.array(ts_event, dtype=np.int64),
        prices,
        prices + 1,
        prices - 1,
        prices,
        np.full(n, 5.0),
    )


def bar(ts_event: int, symbol: str = "AAA") -> Bar:
    return Bar(symbol, ts_event, 10.0, 11.0, 9.0, 10.5, 1.0)


def test_package_exports_exactly_the_public_api() -> None:
    assert sorted(data_package.__all__) == [
        "ALLOWED_EXTENSIONS",
        "BarSeriesFeed",
        "BoundedBarWindow",
        "DEFAULT_REGIMES",
        "LivePacedFeed",
        "MAX_BARS_IN_MEMORY",
        "MarketRegime",
        "REQUIRED_COLUMNS",
        "SyntheticBarStream",
        "SyntheticMarketConfig",
        "generate_bars",
        "load_bars",
        "save_bars",
    ]


def test_series_feed_when_one_series_then_yields_its_bars_in_order() -> None:
    series = generate_bars(SyntheticMarketConfig(), 50, seed=1)
    feed = BarSeriesFeed([series])

    assert isinstance(feed, MarketDataFeed)
    assert feed.symbols == ("SYN/USD",)
    assert len(feed) == 50
    assert list(feed) == list(series.iter_bars())


def test_series_feed_when_two_symbols_then_merged_by_time_then_symbol() -> None:
    feed = BarSeriesFeed([series_at("BBB", 1, 3, 5, 6), series_at("AAA", 2, 3, 4, 6, 7)])

    order = [(item.ts_event, item.symbol) for item in feed]

    assert order == [
        (1, "BBB"),
        (2, "AAA"),
        (3, "AAA"),
        (3, "BBB"),
        (4, "AAA"),
        (5, "BBB"),
        (6, "AAA"),
        (6, "BBB"),
        (7, "AAA"),
    ]
    assert feed.symbols == ("BBB", "AAA")
    assert len(feed) == 9


def test_series_feed_when_iterated_twice_then_replays_from_start() -> None:
    feed = BarSeriesFeed([series_at("AAA", 1, 2), series_at("BBB", 1, 2)])

    assert list(feed) == list(feed)


@pytest.mark.parametrize("limit", [1, 7, 50, 1_000])
def test_series_feed_when_memory_bounded_then_same_bars(limit: int) -> None:
    series = [generate_bars(SyntheticMarketConfig(symbol=s), 50, seed=2) for s in ("X", "Y")]

    bounded = list(BarSeriesFeed(series, max_bars_in_memory=limit))

    assert bounded == list(BarSeriesFeed(series))


def test_series_feed_when_symbol_repeated_then_error() -> None:
    with pytest.raises(DataError, match="each symbol may appear once"):
        BarSeriesFeed([series_at("AAA", 1), series_at("AAA", 2)])


def test_series_feed_when_no_series_or_bad_limit_then_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="at least one"):
        BarSeriesFeed([])
    with pytest.raises(ConfigurationError, match="max_bars_in_memory"):
        BarSeriesFeed([series_at("AAA", 1)], max_bars_in_memory=0)


@settings(max_examples=50, deadline=None)
@given(maxlen=st.integers(min_value=1, max_value=40), count=st.integers(min_value=0, max_value=120))
def test_window_for_any_number_of_appends_then_never_exceeds_maxlen(
    maxlen: int, count: int
) -> None:
    window = BoundedBarWindow(maxlen)

    for ts_event in range(count):
        window.append(bar(ts_event))
        assert len(window) <= maxlen

    assert len(window) == min(count, maxlen)
    assert [item.ts_event for item in window.latest(maxlen)] == list(range(count))[-maxlen:]


def test_window_latest_then_most_recent_bars_oldest_first() -> None:
    window = BoundedBarWindow(5)
    for ts_event in range(1, 9):
        window.append(bar(ts_event))

    assert [item.ts_event for item in window.latest(3)] == [6, 7, 8]
    assert [item.ts_event for item in window.latest(99)] == [4, 5, 6, 7, 8]
    assert window.latest(0) == []


def test_window_as_series_then_holds_exactly_the_window() -> None:
    window = BoundedBarWindow(3)
    for ts_event in range(1, 6):
        window.append(bar(ts_event))

    series = window.as_series()

    assert series.symbol == "AAA"
    assert series.ts_event.tolist() == [3, 4, 5]
    assert list(series.iter_bars()) == window.latest(3)


def test_window_default_size_is_max_bars_in_memory() -> None:
    assert MAX_BARS_IN_MEMORY == 10_000
    assert BoundedBarWindow().maxlen == MAX_BARS_IN_MEMORY


def test_window_when_other_symbol_or_older_bar_appended_then_error() -> None:
    window = BoundedBarWindow(3)
    window.append(bar(5))

    with pytest.raises(DataError, match="holds 'AAA', got a bar for 'BBB'"):
        window.append(bar(6, symbol="BBB"))
    with pytest.raises(DataError, match="not after the last one"):
        window.append(bar(5))


def test_window_when_empty_then_as_series_error_and_bad_size_rejected() -> None:
    with pytest.raises(DataError, match="empty"):
        BoundedBarWindow(2).as_series()
    with pytest.raises(ConfigurationError, match="maxlen must be >= 1"):
        BoundedBarWindow(0)


def live_feed(
    stop: threading.Event, bar_seconds: float = 0.01, max_bars: int | None = None
) -> LivePacedFeed:
    stream = SyntheticBarStream(SyntheticMarketConfig(), seed=1)
    return LivePacedFeed(stream, LiveClock(), bar_seconds, stop, max_bars=max_bars)


def test_live_feed_when_tiny_interval_then_bars_come_promptly_at_clock_time() -> None:
    clock = LiveClock()
    started = clock.timestamp_ns()

    bars = list(live_feed(threading.Event(), bar_seconds=0.01, max_bars=5))

    finished = clock.timestamp_ns()
    stamps = [item.ts_event for item in bars]
    assert len(bars) == 5
    assert started < stamps[0]
    assert stamps[-1] <= finished
    assert all(later - earlier >= 9_000_000 for earlier, later in pairwise(stamps))
    assert (finished - started) / 1e9 < 2.0


def test_live_feed_when_stop_set_then_iteration_ends_at_once() -> None:
    stop = threading.Event()
    feed = live_feed(stop, bar_seconds=30.0)
    received: list[Bar] = []
    worker = threading.Thread(target=lambda: received.extend(feed))
    worker.start()
    time.sleep(0.05)

    started = time.monotonic()
    stop.set()
    worker.join(timeout=2.0)

    assert not worker.is_alive()
    assert time.monotonic() - started < 1.0
    assert received == []


def test_live_feed_when_stopped_between_bars_then_keeps_what_was_yielded() -> None:
    stop = threading.Event()
    received: list[Bar] = []

    for item in live_feed(stop, bar_seconds=0.01):
        received.append(item)
        if len(received) == 3:
            stop.set()

    assert len(received) == 3
    assert live_feed(stop).symbols == ("SYN/USD",)


def test_live_feed_when_bad_arguments_then_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="bar_seconds must be > 0"):
        live_feed(threading.Event(), bar_seconds=0.0)
    with pytest.raises(ConfigurationError, match="max_bars must be >= 0"):
        live_feed(threading.Event(), max_bars=-1)
