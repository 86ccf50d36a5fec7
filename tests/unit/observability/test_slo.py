"""SloTracker: rolling window, targets, tiers and the ops_slo_events.jsonl file (SPEC OPS-2)."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

import pytest

from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.core.errors import ConfigurationError
from ai_trader.observability import SloReport, SloTracker

START_NS = 1_700_000_000 * NANOS_PER_SECOND


@pytest.fixture
def clock() -> TestClock:
    return TestClock(start_ns=START_NS)


def record_orders(tracker: SloTracker, good: int, bad: int, latency: float = 0.1) -> None:
    for _ in range(good):
        tracker.record_order(success=True, latency_seconds=latency)
    for _ in range(bad):
        tracker.record_order(success=False, latency_seconds=latency)


def record_checks(tracker: SloTracker, available: int, unavailable: int) -> None:
    for _ in range(available):
        tracker.record_executor_check(available=True)
    for _ in range(unavailable):
        tracker.record_executor_check(available=False)


def read_events(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- ratios, targets and met flags ------------------------------------------------------


def test_report_with_no_events_then_actual_none_met_and_tier_a(clock: TestClock) -> None:
    report = SloTracker(clock).report()

    assert set(report.slos) == {
        "order_success",
        "latency_under_2s",
        "executor_availability",
        "incident_ack_15m",
    }
    for status in report.slos.values():
        assert status.actual is None
        assert status.met is True
        assert status.samples == 0
    assert report.tier == "A"


def test_report_targets_are_the_specified_ones(clock: TestClock) -> None:
    slos = SloTracker(clock).report().slos

    assert slos["order_success"].target == 0.98
    assert slos["latency_under_2s"].target == 0.95
    assert slos["executor_availability"].target == 0.99


def test_order_success_counts_successes_over_all_orders(clock: TestClock) -> None:
    tracker = SloTracker(clock)
    record_orders(tracker, good=49, bad=1)

    status = tracker.report().slos["order_success"]

    assert status.actual == pytest.approx(0.98)
    assert status.met is True
    assert status.samples == 50


def test_latency_of_exactly_two_seconds_is_not_under_two_seconds(clock: TestClock) -> None:
    tracker = SloTracker(clock)
    tracker.record_order(success=True, latency_seconds=1.999)
    tracker.record_order(success=False, latency_seconds=2.0)

    status = tracker.report().slos["latency_under_2s"]

    assert status.actual == 0.5
    assert status.samples == 2


def test_executor_availability_counts_available_checks(clock: TestClock) -> None:
    tracker = SloTracker(clock)
    record_checks(tracker, available=98, unavailable=2)

    status = tracker.report().slos["executor_availability"]

    assert status.actual == pytest.approx(0.98)
    assert status.met is False
    assert tracker.report().slos["order_success"].actual is None


def test_met_just_below_target_then_false(clock: TestClock) -> None:
    tracker = SloTracker(clock)
    record_orders(tracker, good=97, bad=3)

    assert tracker.report().slos["order_success"].met is False


@pytest.mark.parametrize("latency", [-0.001, float("nan"), float("inf")])
def test_record_order_with_bad_latency_then_value_error(clock: TestClock, latency: float) -> None:
    tracker = SloTracker(clock)

    with pytest.raises(ValueError, match="latency_seconds"):
        tracker.record_order(success=True, latency_seconds=latency)
    assert tracker.report().slos["order_success"].samples == 0


@pytest.mark.parametrize(
    ("window", "emit_every"), [(0.0, 60.0), (-1.0, 60.0), (float("nan"), 60.0), (60.0, -1.0)]
)
def test_tracker_with_bad_parameters_then_configuration_error(
    clock: TestClock, window: float, emit_every: float
) -> None:
    with pytest.raises(ConfigurationError):
        SloTracker(clock, window_seconds=window, emit_every_seconds=emit_every)


def test_record_order_with_known_client_order_id_then_counted_once(clock: TestClock) -> None:
    tracker = SloTracker(clock, window_seconds=10.0)

    assert tracker.record_order(success=False, latency_seconds=0.1, client_order_id="o-1")
    assert not tracker.record_order(success=False, latency_seconds=0.1, client_order_id="o-1")
    assert tracker.report().slos["order_success"].samples == 1

    clock.advance(10 * NANOS_PER_SECOND)
    assert tracker.record_order(success=True, latency_seconds=0.1, client_order_id="o-1")
    assert tracker.report().slos["order_success"].actual == 1.0


# -- the rolling window -----------------------------------------------------------------


def test_events_older_than_the_window_are_dropped(clock: TestClock) -> None:
    tracker = SloTracker(clock, window_seconds=60.0)
    record_orders(tracker, good=0, bad=5)
    record_checks(tracker, available=0, unavailable=5)
    clock.advance(30 * NANOS_PER_SECOND)
    record_orders(tracker, good=5, bad=0)

    clock.advance(29 * NANOS_PER_SECOND)  # the first batch is 59 s old: still inside
    assert tracker.report().slos["order_success"].actual == 0.5

    clock.advance(1 * NANOS_PER_SECOND)  # now exactly 60 s old: gone
    report = tracker.report()
    assert report.slos["order_success"].actual == 1.0
    assert report.slos["order_success"].samples == 5
    assert report.slos["executor_availability"].actual is None


def test_window_empties_completely_after_a_quiet_period(clock: TestClock) -> None:
    tracker = SloTracker(clock, window_seconds=3600.0)
    record_orders(tracker, good=1, bad=9)
    assert tracker.report().tier == "C"

    clock.advance(3600 * NANOS_PER_SECOND)

    assert tracker.report().tier == "A"
    assert tracker.report().slos["order_success"].samples == 0


# -- tiers ------------------------------------------------------------------------------


def tier_for(clock: TestClock, orders: tuple[int, int], checks: tuple[int, int]) -> str:
    tracker = SloTracker(clock)
    record_orders(tracker, *orders)
    record_checks(tracker, *checks)
    return tracker.report().tier


@pytest.mark.parametrize(
    ("orders", "checks", "tier"),
    [
        ((98, 2), (99, 1), "A"),  # both exactly on target
        ((97, 3), (100, 0), "B"),  # order_success 0.97: missed, not by the margin
        ((95, 5), (100, 0), "B"),  # order_success 0.95: the C threshold itself is still B
        ((94, 6), (100, 0), "C"),  # order_success 0.94 < 0.95
        ((100, 0), (98, 2), "B"),  # availability 0.98: missed
        ((100, 0), (97, 3), "B"),  # availability 0.97: on the C threshold
        ((100, 0), (96, 4), "C"),  # availability 0.96 < 0.97
        ((0, 0), (0, 0), "A"),  # nothing recorded
    ],
)
def test_tier_at_the_boundaries(
    clock: TestClock, orders: tuple[int, int], checks: tuple[int, int], tier: str
) -> None:
    assert tier_for(clock, orders, checks) == tier


@pytest.mark.parametrize(("fast", "slow", "tier"), [(95, 5, "A"), (90, 10, "B"), (89, 11, "C")])
def test_latency_tier_at_the_boundaries(clock: TestClock, fast: int, slow: int, tier: str) -> None:
    tracker = SloTracker(clock)
    record_orders(tracker, good=fast, bad=0, latency=0.5)
    record_orders(tracker, good=slow, bad=0, latency=2.5)

    assert tracker.report().tier == tier


def test_to_dict_is_json_ready(clock: TestClock) -> None:
    tracker = SloTracker(clock)
    record_orders(tracker, good=3, bad=1)

    document = json.loads(json.dumps(tracker.report().to_dict()))

    assert document["order_success"] == {"target": 0.98, "actual": 0.75, "met": False, "samples": 4}
    assert document["executor_availability"]["actual"] is None


# -- the events file --------------------------------------------------------------------


def test_evaluate_without_events_path_writes_nothing(clock: TestClock, tmp_path: Path) -> None:
    report = SloTracker(clock).evaluate()

    assert isinstance(report, SloReport)
    assert list(tmp_path.iterdir()) == []


def test_first_evaluate_writes_one_line_per_slo(clock: TestClock, tmp_path: Path) -> None:
    path = tmp_path / "results" / "runs" / "run-1" / "ops_slo_events.jsonl"
    tracker = SloTracker(clock, events_path=path)
    record_orders(tracker, good=3, bad=1)

    tracker.evaluate()

    events = read_events(path)
    assert [event["slo"] for event in events] == [
        "order_success",
        "latency_under_2s",
        "executor_availability",
        "incident_ack_15m",
    ]
    first = events[0]
    assert set(first) == {"ts", "event", "slo", "target", "actual", "met", "samples", "tier"}
    assert first["event"] == "slo_status"
    assert first["actual"] == 0.75
    assert first["met"] is False
    assert first["samples"] == 4
    assert first["tier"] == "C"
    ts = datetime.fromisoformat(str(first["ts"]))
    assert ts.utcoffset() is not None
    assert ts.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert "." in str(first["ts"])  # microseconds are written


def test_evaluate_is_throttled_while_nothing_changes(clock: TestClock, tmp_path: Path) -> None:
    path = tmp_path / "ops_slo_events.jsonl"
    tracker = SloTracker(clock, events_path=path, emit_every_seconds=60.0)
    tracker.evaluate()

    clock.advance(59 * NANOS_PER_SECOND)
    record_orders(tracker, good=1, bad=0)  # ratios move, flags and tier do not
    tracker.evaluate()
    assert len(read_events(path)) == 4

    clock.advance(1 * NANOS_PER_SECOND)
    tracker.evaluate()
    assert len(read_events(path)) == 8


def test_evaluate_writes_at_once_when_the_state_changes(clock: TestClock, tmp_path: Path) -> None:
    path = tmp_path / "ops_slo_events.jsonl"
    tracker = SloTracker(clock, events_path=path, emit_every_seconds=60.0)
    tracker.evaluate()

    clock.advance(1 * NANOS_PER_SECOND)
    record_checks(tracker, available=0, unavailable=1)
    report = tracker.evaluate()

    events = read_events(path)
    assert report.tier == "C"
    assert len(events) == 8
    availability = [event for event in events if event["slo"] == "executor_availability"]
    assert availability[-1]["met"] is False
    assert {event["tier"] for event in events[4:]} == {"C"}

    clock.advance(1 * NANOS_PER_SECOND)
    tracker.evaluate()  # unchanged again: throttled
    assert len(read_events(path)) == 8


def test_evaluate_appends_to_an_existing_file(clock: TestClock, tmp_path: Path) -> None:
    path = tmp_path / "ops_slo_events.jsonl"
    path.write_text('{"earlier": true}\n', encoding="utf-8")

    SloTracker(clock, events_path=path).evaluate()

    assert read_events(path)[0] == {"earlier": True}
    assert len(read_events(path)) == 5


# -- threads ----------------------------------------------------------------------------


def test_two_threads_recording_while_a_third_reads(clock: TestClock, tmp_path: Path) -> None:
    tracker = SloTracker(clock, events_path=tmp_path / "ops_slo_events.jsonl", emit_every_seconds=0)
    per_thread = 2_000
    stop = threading.Event()
    reports: list[SloReport] = []

    def record_orders_thread() -> None:
        for index in range(per_thread):
            tracker.record_order(success=index % 2 == 0, latency_seconds=0.1)

    def record_checks_thread() -> None:
        for _ in range(per_thread):
            tracker.record_executor_check(available=True)

    def read() -> None:
        while not stop.is_set():
            reports.append(tracker.evaluate())

    writers = [
        threading.Thread(target=record_orders_thread),
        threading.Thread(target=record_checks_thread),
    ]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join()

    final = tracker.report()
    assert final.slos["order_success"].samples == per_thread
    assert final.slos["order_success"].actual == 0.5
    assert final.slos["executor_availability"].samples == per_thread
    assert all(in_unit_interval(report) for report in reports)
    events = read_events(tmp_path / "ops_slo_events.jsonl")
    assert {event["event"] for event in events} == {"slo_status"}


def in_unit_interval(report: SloReport) -> bool:
    return all(s.actual is None or 0.0 <= s.actual <= 1.0 for s in report.slos.values())
