"""Modes and the kill switch on a real engine and a state file: halt refuses entries and
says why, a timed halt ends by itself and restores the previous mode, manual keeps the
strategies quiet, a mode written by another process is picked up, and a risk-limit halt
is not cleared by an unrelated mode change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ai_trader.adapters.state import FileStateStore, RuntimeState
from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.commands import OpenPosition
from ai_trader.domain.enums import Mode, Side
from ai_trader.domain.events import OrderDenied
from ai_trader.risk import DAY_NS
from ai_trader.service.modes import EXTERNAL_HALT_REASON, ModeController
from ai_trader.testing import EngineHarness, bars_from_closes, build_engine

SYMBOL = "TEST/USD"


@pytest.fixture
def harness() -> EngineHarness:
    harness = build_engine(bars_from_closes([100.0, 100.0, 100.0], symbol=SYMBOL))
    harness.portfolio.mark(SYMBOL, 100.0)
    return harness


@pytest.fixture
def state(tmp_path: Path) -> RuntimeState:
    return RuntimeState(FileStateStore(tmp_path / "bot_state.json"))


def entry(harness: EngineHarness) -> object:
    return harness.engine.open_position(OpenPosition(SYMBOL, Side.BUY, quantity=Decimal(1)))


def test_halt_when_set_then_stored_entries_denied_with_reason(
    harness: EngineHarness, state: RuntimeState
) -> None:
    modes = ModeController(state, harness.engine, Mode.PAPER)

    change = modes.set(Mode.HALT, reason="news", actor="alice")

    assert (change.previous, change.mode, change.actor) == (Mode.PAPER, Mode.HALT, "alice")
    assert state.mode is Mode.HALT
    denied = entry(harness)
    assert isinstance(denied, OrderDenied)
    assert denied.reason == "news"


def test_timed_halt_when_it_ends_then_previous_mode_is_back(
    harness: EngineHarness, state: RuntimeState
) -> None:
    engine = harness.engine
    modes = ModeController(state, engine, Mode.PAPER)
    modes.set(Mode.MANUAL, reason="", actor="alice")
    until = ns_to_datetime(harness.clock.timestamp_ns()) + timedelta(minutes=5)
    modes.set(Mode.HALT, reason="lunch", actor="alice", until=until)
    engine.subscribe(modes.on_event)

    harness.clock.advance(10 * 60 * 1_000_000_000)
    event = engine.risk.on_limit_check(harness.clock.timestamp_ns(), None)
    assert event is not None
    modes.on_event(event)

    assert modes.current is Mode.MANUAL
    assert state.mode is Mode.MANUAL
    assert engine.risk.halt is None
    assert engine.strategy_orders_enabled is False


def test_until_when_not_halt_or_in_the_past_or_naive_then_refused(
    harness: EngineHarness, state: RuntimeState
) -> None:
    modes = ModeController(state, harness.engine, Mode.PAPER)
    past = datetime(2000, 1, 1, tzinfo=UTC)

    with pytest.raises(ConfigurationError, match="halt mode only"):
        modes.set(Mode.AUTO, reason="", actor="a", until=datetime.now(UTC) + timedelta(hours=1))
    with pytest.raises(ConfigurationError, match="not in the future"):
        modes.set(Mode.HALT, reason="", actor="a", until=past)
    with pytest.raises(ConfigurationError, match="time zone"):
        modes.set(Mode.HALT, reason="", actor="a", until=datetime(2999, 1, 1))
    assert state.mode is Mode.PAPER


def test_sync_when_another_process_writes_halt_then_applied_once(
    harness: EngineHarness, state: RuntimeState, tmp_path: Path
) -> None:
    modes = ModeController(state, harness.engine, Mode.PAPER)
    other_process = RuntimeState(FileStateStore(tmp_path / "bot_state.json"))

    other_process.mode = Mode.HALT
    change = modes.sync()

    assert change is not None
    assert harness.engine.risk.halt is not None
    assert harness.engine.risk.halt.reason == EXTERNAL_HALT_REASON
    assert modes.sync() is None


def test_mode_change_when_risk_limit_halted_and_not_leaving_halt_then_sync_keeps_halt(
    harness: EngineHarness, state: RuntimeState, tmp_path: Path
) -> None:
    engine = harness.engine
    modes = ModeController(state, engine, Mode.PAPER)
    engine.risk.halt_entries("max_drawdown: drawdown 15% reached", 0, None)

    RuntimeState(FileStateStore(tmp_path / "bot_state.json")).mode = Mode.AUTO
    modes.sync()

    assert engine.risk.halt is not None, "a store change is not an operator resume"
    modes.set(Mode.PAPER, reason="", actor="alice")
    assert engine.risk.halt is None, "an operator's explicit mode is a resume"


def test_startup_when_stored_mode_is_halt_and_risk_already_halted_then_reason_kept(
    harness: EngineHarness, state: RuntimeState
) -> None:
    state.mode = Mode.HALT
    harness.engine.risk.halt_entries("halted before restart: drill", 0, DAY_NS)

    modes = ModeController(state, harness.engine, Mode.PAPER)

    assert modes.current is Mode.HALT
    halt = harness.engine.risk.halt
    assert halt is not None
    assert halt.reason == "halted before restart: drill"


def test_leaving_halt_for_another_mode_when_subscribed_then_that_mode_is_kept(
    harness: EngineHarness, state: RuntimeState
) -> None:
    """Leaving a halt emits TradingResumed; that must not be taken for a timed halt ending,
    which would put back the mode from before the halt over the one the operator chose."""
    engine = harness.engine
    modes = ModeController(state, engine, Mode.PAPER)
    engine.subscribe(modes.on_event)
    modes.set(Mode.MANUAL, reason="", actor="alice")
    modes.set(Mode.HALT, reason="news", actor="alice")

    change = modes.set(Mode.AUTO, reason="news digested", actor="bob")

    assert (change.previous, change.mode) == (Mode.HALT, Mode.AUTO)
    assert modes.current is Mode.AUTO
    assert state.mode is Mode.AUTO, "the store must hold the mode the operator chose"
    assert modes.sync() is None
    assert modes.last_change is not None
    assert modes.last_change.actor == "bob"
    assert engine.risk.halt is None
