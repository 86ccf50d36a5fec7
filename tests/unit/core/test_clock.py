"""Clocks: TestClock moves only forward when told; ns ↔ datetime conversions are exact to
the microsecond; LiveClock follows the wall clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_trader.core.clock import (
    NANOS_PER_SECOND,
    Clock,
    LiveClock,
    TestClock,
    datetime_to_ns,
    ns_to_datetime,
)


def test_test_clock_starts_at_the_given_time() -> None:
    clock = TestClock(start_ns=1_700_000_000 * NANOS_PER_SECOND)

    assert clock.timestamp_ns() == 1_700_000_000 * NANOS_PER_SECOND


def test_test_clock_defaults_to_the_epoch() -> None:
    assert TestClock().utc_now() == datetime(1970, 1, 1, tzinfo=UTC)


def test_set_time_moves_the_clock_forward() -> None:
    clock = TestClock(100)

    clock.set_time(250)

    assert clock.timestamp_ns() == 250


def test_set_time_to_the_same_instant_is_allowed() -> None:
    clock = TestClock(100)

    clock.set_time(100)

    assert clock.timestamp_ns() == 100


def test_set_time_backwards_is_refused_and_the_clock_keeps_its_time() -> None:
    clock = TestClock(100)

    with pytest.raises(ValueError, match=r"cannot move backwards: 99 < 100"):
        clock.set_time(99)

    assert clock.timestamp_ns() == 100


def test_advance_adds_nanoseconds() -> None:
    clock = TestClock(1_000)

    clock.advance(500)
    clock.advance(0)

    assert clock.timestamp_ns() == 1_500


def test_advance_by_a_negative_amount_is_refused() -> None:
    clock = TestClock(1_000)

    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_utc_now_is_timezone_aware_utc() -> None:
    clock = TestClock(datetime_to_ns(datetime(2024, 3, 1, 12, 30, tzinfo=UTC)))

    now = clock.utc_now()

    assert now == datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
    assert now.utcoffset() == timedelta(0)


def test_test_clock_is_a_clock_and_not_collected_as_a_test_class() -> None:
    assert isinstance(TestClock(), Clock)
    assert TestClock.__test__ is False


def test_datetime_to_ns_of_the_epoch_is_zero() -> None:
    assert datetime_to_ns(datetime(1970, 1, 1, tzinfo=UTC)) == 0


def test_datetime_to_ns_hand_computed() -> None:
    moment = datetime(2024, 1, 1, 0, 0, 1, 250_000, tzinfo=UTC)

    # 2024-01-01 is 19_723 days after the epoch
    assert datetime_to_ns(moment) == (19_723 * 86_400 + 1) * NANOS_PER_SECOND + 250_000_000


def test_datetime_to_ns_converts_other_timezones_to_utc() -> None:
    in_paris_winter = datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))

    assert datetime_to_ns(in_paris_winter) == datetime_to_ns(datetime(2024, 1, 1, tzinfo=UTC))


def test_datetime_to_ns_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        datetime_to_ns(datetime(2024, 1, 1))


def test_ns_to_datetime_truncates_below_a_microsecond() -> None:
    assert ns_to_datetime(1_999) == datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC)


def test_ns_to_datetime_before_the_epoch() -> None:
    assert ns_to_datetime(-NANOS_PER_SECOND) == datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.just(UTC),
    )
)
def test_datetime_ns_round_trip_is_exact_to_the_microsecond(moment: datetime) -> None:
    assert ns_to_datetime(datetime_to_ns(moment)) == moment


@given(st.integers(min_value=0, max_value=7_000_000_000 * NANOS_PER_SECOND))
def test_ns_round_trip_loses_only_the_sub_microsecond_part(ts_ns: int) -> None:
    assert datetime_to_ns(ns_to_datetime(ts_ns)) == ts_ns - ts_ns % 1_000


def test_live_clock_reads_the_wall_clock() -> None:
    before = time.time_ns()
    reading = LiveClock().timestamp_ns()
    after = time.time_ns()

    assert before <= reading <= after


def test_live_clock_readings_do_not_go_backwards_in_a_tight_loop() -> None:
    clock = LiveClock()

    readings = [clock.timestamp_ns() for _ in range(1_000)]

    assert readings == sorted(readings)


def test_live_clock_utc_now_is_aware_and_close_to_now() -> None:
    now = LiveClock().utc_now()

    assert now.tzinfo is not None
    assert abs(now - datetime.now(tz=UTC)) < timedelta(seconds=5)


def test_live_clock_sleep_until_a_past_instant_returns_at_once() -> None:
    clock = LiveClock()
    started = time.monotonic()

    clock.sleep_until(clock.timestamp_ns() - NANOS_PER_SECOND)

    assert time.monotonic() - started < 0.5


def test_live_clock_sleep_until_waits_for_a_near_future_instant() -> None:
    clock = LiveClock()
    target = clock.timestamp_ns() + 20_000_000  # 20 ms

    clock.sleep_until(target)

    assert clock.timestamp_ns() >= target
