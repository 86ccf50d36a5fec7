"""Reconciliation while trading (SPEC EXE-6): a real SQLite journal against a fake venue,
the 3/2 breach-and-resume rule, and the two JSON-lines event files."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ai_trader.adapters.db import SqlJournal, create_database_engine, upgrade_database
from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.core.errors import ConfigurationError
from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.domain.enums import LiquiditySide, OrderStatus, Side
from ai_trader.domain.events import OrderAccepted, OrderFilled
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import VenueOrderState
from ai_trader.runtime.reconciliation import (
    MISMATCH_KINDS,
    ORDER_EVENTS_FILE,
    POSITION_EVENTS_FILE,
    OrderMismatch,
    Reconciler,
    ReconciliationLoop,
)
from ai_trader.testing.orders import market_order

SYMBOL = "SYN/USD"
START_NS = 1_704_164_645_678_901_000  # 2024-01-02T03:04:05.678901Z


class FakeVenue:
    """The venue's view: order states, fills and positions, set by the test."""

    venue = "SIM"

    def __init__(self) -> None:
        self.states: dict[ClientOrderId, VenueOrderState] = {}
        self.fill_list: list[Fill] = []
        self.position_map: dict[str, Decimal] = {}

    def order_states(self) -> list[VenueOrderState]:
        return list(self.states.values())

    def fills(self) -> Sequence[Fill]:
        return tuple(self.fill_list)

    def positions(self) -> Mapping[str, Decimal]:
        return dict(self.position_map)

    def know(self, order: Order, status: OrderStatus) -> None:
        vid = VenueOrderId(f"SIM-{order.client_order_id}")
        self.states[order.client_order_id] = VenueOrderState(order, vid, status, order.quantity)


class World:
    def __init__(self, database: Engine, events_dir: Path) -> None:
        self.journal = SqlJournal(database)
        self.venue = FakeVenue()
        self.clock = TestClock(START_NS)
        self.events_dir = events_dir
        self.reconciler = Reconciler(self.journal, self.venue, self.clock, events_dir)

    def working_order(self, number: int) -> Order:
        """An order accepted by the venue and journaled as such: both sides agree."""
        order = market_order(Side.BUY, 2, client_order_id=f"run-{number}", symbol=SYMBOL)
        self.journal.record_intent(order)
        self.journal.record_event(
            OrderAccepted(order, VenueOrderId(f"SIM-{order.client_order_id}"), 0)
        )
        self.venue.know(order, OrderStatus.ACCEPTED)
        return order

    def filled_order(self, number: int, quantity: str) -> Fill:
        """An order filled at the venue and in the journal: both sides hold the position."""
        order = self.working_order(number)
        fill = Fill(
            client_order_id=order.client_order_id,
            venue_order_id=VenueOrderId(f"SIM-{order.client_order_id}"),
            trade_id=TradeId(f"T{number}"),
            venue="SIM",
            symbol=SYMBOL,
            side=Side.BUY,
            quantity=Decimal(quantity),
            price=Decimal(100),
            fee=Decimal("0.1"),
            liquidity=LiquiditySide.TAKER,
            ts_event=1_000,
        )
        self.journal.record_event(OrderFilled(fill, Decimal(0), 0))
        self.venue.know(order, OrderStatus.FILLED)
        self.venue.fill_list.append(fill)
        held = self.venue.position_map.get(SYMBOL, Decimal(0))
        self.venue.position_map[SYMBOL] = held + fill.quantity
        return fill

    def cycle(self, times: int = 1) -> None:
        for _ in range(times):
            self.clock.advance(NANOS_PER_SECOND)
            self.reconciler.run_cycle()

    def lines(self, name: str) -> list[dict[str, object]]:
        text = (self.events_dir / name).read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Engine]:
    engine = create_database_engine(None, tmp_path / "journal.db")
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def world(database: Engine, tmp_path: Path) -> World:
    return World(database, tmp_path / "events")


def drift_position(world: World) -> None:
    """The venue holds more than the journal's fills add up to."""
    world.venue.position_map[SYMBOL] = world.venue.position_map.get(SYMBOL, Decimal(0)) + 1


# -- comparison ----------------------------------------------------------------------


def test_run_cycle_when_journal_and_venue_agree_then_clean(world: World) -> None:
    world.working_order(1)
    world.filled_order(2, "1.5")

    result = world.reconciler.run_cycle()

    assert result.clean
    assert (result.state, result.consecutive_mismatches, result.breach) == ("ok", 0, None)


def test_run_cycle_when_order_only_in_journal_then_order_mismatch(world: World) -> None:
    order = world.working_order(1)
    del world.venue.states[order.client_order_id]

    result = world.reconciler.run_cycle()

    assert result.orders == (
        OrderMismatch("only_in_journal", "run-1", SYMBOL, OrderStatus.ACCEPTED.value, None),
    )
    assert (result.clean, result.state, result.consecutive_mismatches) == (False, "mismatch", 1)


def test_run_cycle_when_order_only_at_venue_then_order_mismatch(world: World) -> None:
    stray = market_order(Side.SELL, 1, client_order_id="venue-exit-1", symbol=SYMBOL)
    world.venue.know(stray, OrderStatus.ACCEPTED)

    result = world.reconciler.run_cycle()

    assert [(m.kind, m.client_order_id) for m in result.orders] == [
        ("only_at_venue", "venue-exit-1")
    ]


def test_run_cycle_when_statuses_differ_then_status_mismatch(world: World) -> None:
    order = world.working_order(1)
    world.venue.know(order, OrderStatus.CANCELED)

    result = world.reconciler.run_cycle()

    assert result.orders == (
        OrderMismatch("status_mismatch", "run-1", SYMBOL, "accepted", "canceled"),
    )


def test_run_cycle_when_venue_position_differs_then_position_drift(world: World) -> None:
    world.filled_order(1, "2")
    drift_position(world)

    result = world.reconciler.run_cycle()

    (drift,) = result.positions
    assert (drift.symbol, drift.journal_quantity, drift.venue_quantity) == (SYMBOL, 2, 3)
    assert drift.drift == 1
    assert not result.orders


def test_run_cycle_when_venue_fill_missing_from_journal_then_drift_counts_it(
    world: World,
) -> None:
    fill = world.filled_order(1, "2")
    world.venue.fill_list.append(
        dataclasses.replace(fill, trade_id=TradeId("T-extra"), quantity=Decimal(1))
    )
    drift_position(world)

    (drift,) = world.reconciler.run_cycle().positions

    assert drift.fills_only_at_venue == 1


def test_run_cycle_when_drift_within_tolerance_then_clean(database: Engine, tmp_path: Path) -> None:
    world = World(database, tmp_path)
    world.filled_order(1, "2")
    world.venue.position_map[SYMBOL] = Decimal("2.0000000000001")

    assert world.reconciler.run_cycle().clean


# -- the 3/2 rule ----------------------------------------------------------------------


def test_third_consecutive_mismatch_breaches_with_reason(world: World) -> None:
    world.filled_order(1, "2")
    drift_position(world)

    world.cycle(2)
    result = world.reconciler.run_cycle()

    assert result.state == "breached"
    assert result.breach is not None
    assert result.breach.startswith("reconciliation: 3 consecutive mismatching cycles: ")
    assert "position drift SYN/USD" in result.breach


def test_mismatch_after_breach_stays_breached_without_new_breach(world: World) -> None:
    drift_position(world)
    world.cycle(3)

    result = world.reconciler.run_cycle()

    assert (result.state, result.breach, result.consecutive_mismatches) == ("breached", None, 4)


def test_two_clean_cycles_after_breach_resume(world: World) -> None:
    drift_position(world)
    world.cycle(3)
    world.venue.position_map.clear()

    first = world.reconciler.run_cycle()
    second = world.reconciler.run_cycle()

    assert (first.state, first.resumed) == ("breached", False)
    assert (second.state, second.resumed, second.consecutive_mismatches) == ("ok", True, 0)


def test_mismatch_between_clean_cycles_after_breach_restarts_resume_count(world: World) -> None:
    drift_position(world)
    world.cycle(3)
    world.venue.position_map.clear()
    world.cycle()
    drift_position(world)
    world.cycle()
    world.venue.position_map.clear()

    first = world.reconciler.run_cycle()
    second = world.reconciler.run_cycle()

    assert (first.state, second.state, second.resumed) == ("breached", "ok", True)


def test_clean_cycle_before_breach_resets_the_count(world: World) -> None:
    drift_position(world)
    world.cycle(2)
    world.venue.position_map.clear()
    world.cycle()
    drift_position(world)
    world.cycle()

    result = world.reconciler.run_cycle()

    assert (result.state, result.consecutive_mismatches, result.breach) == ("mismatch", 2, None)


def test_breach_after_and_resume_after_are_configurable(database: Engine, tmp_path: Path) -> None:
    world = World(database, tmp_path)
    world.reconciler = Reconciler(
        world.journal, world.venue, world.clock, tmp_path, breach_after=1, resume_after=1
    )
    drift_position(world)

    breached = world.reconciler.run_cycle()
    world.venue.position_map.clear()
    resumed = world.reconciler.run_cycle()

    assert breached.breach is not None
    assert resumed.resumed


def test_reconciler_when_thresholds_invalid_then_configuration_error(world: World) -> None:
    with pytest.raises(ConfigurationError, match="breach_after and resume_after"):
        Reconciler(world.journal, world.venue, world.clock, world.events_dir, breach_after=0)


# -- events and metrics ----------------------------------------------------------------


def test_each_cycle_appends_one_line_per_kind_with_the_fields(world: World) -> None:
    order = world.working_order(1)
    del world.venue.states[order.client_order_id]
    world.cycle(3)

    orders = world.lines(ORDER_EVENTS_FILE)
    positions = world.lines(POSITION_EVENTS_FILE)

    assert len(orders) == len(positions) == 3
    last = orders[-1]
    assert {"ts", "cycle", "clean", "mismatches", "consecutive_mismatches", "state"} <= set(last)
    assert (last["cycle"], last["clean"], last["consecutive_mismatches"]) == (3, False, 3)
    assert last["state"] == "breached"
    assert last["mismatches"] == [
        {
            "type": "only_in_journal",
            "client_order_id": "run-1",
            "symbol": SYMBOL,
            "journal_status": "accepted",
            "venue_status": None,
        }
    ]
    assert positions[-1]["clean"] is True
    assert positions[-1]["mismatches"] == []
    ts = datetime.fromisoformat(str(last["ts"]))
    assert ts.utcoffset() is not None
    assert str(last["ts"]).endswith(".678901+00:00")


def test_position_event_line_has_the_drift_details(world: World) -> None:
    world.filled_order(1, "2")
    drift_position(world)
    world.cycle()

    (line,) = world.lines(POSITION_EVENTS_FILE)

    assert line["max_abs_drift"] == "1"
    assert line["mismatches"] == [
        {
            "type": "position_drift",
            "symbol": SYMBOL,
            "journal_quantity": "2",
            "venue_quantity": "3",
            "drift": "1",
            "fills_only_at_venue": 0,
        }
    ]


def test_metrics_count_mismatches_by_kind_and_max_drift(world: World) -> None:
    before = world.reconciler.metrics()
    order = world.working_order(1)
    del world.venue.states[order.client_order_id]
    world.venue.position_map["OTHER/USD"] = Decimal("-2.5")
    world.cycle(2)

    metrics = world.reconciler.metrics()

    assert set(before.mismatches) == set(MISMATCH_KINDS)
    assert before.max_position_drift == 0
    assert metrics.mismatches == {
        "only_in_journal": 1,
        "only_at_venue": 0,
        "status_mismatch": 0,
        "position_drift": 1,
    }
    assert metrics.mismatches_total["only_in_journal"] == 2
    assert metrics.max_position_drift == Decimal("2.5")
    assert (metrics.cycles, metrics.consecutive_mismatches, metrics.state) == (2, 2, "mismatch")


# -- start-up and the loop --------------------------------------------------------------


def test_reconcile_at_start_when_clean_then_true(world: World) -> None:
    world.filled_order(1, "1")

    assert world.reconciler.reconcile_at_start()


def test_reconcile_at_start_when_anything_differs_then_fails_closed(world: World) -> None:
    world.filled_order(1, "1")
    drift_position(world)

    assert not world.reconciler.reconcile_at_start()
    assert world.lines(POSITION_EVENTS_FILE)[0]["clean"] is False


def test_loop_runs_first_tick_then_waits_for_the_interval(world: World) -> None:
    loop = ReconciliationLoop(world.reconciler, interval_seconds=30)
    now = world.clock.timestamp_ns()

    first = loop.run_if_due(now)
    early = loop.run_if_due(now + 29 * NANOS_PER_SECOND)
    due = loop.due(now + 30 * NANOS_PER_SECOND)

    assert first is not None
    assert early is None
    assert due


def test_loop_when_interval_not_positive_then_configuration_error(world: World) -> None:
    with pytest.raises(ConfigurationError, match="interval_seconds"):
        ReconciliationLoop(world.reconciler, interval_seconds=0)
