"""The journal's SQLite database held by another connection's ``BEGIN EXCLUSIVE``.

The write-ahead intent waits out the busy timeout and fails: the order is never sent and
never booked. A strategy's order becomes an ``OrderDenied`` with the journal's reason and
the strategy keeps trading once the lock is gone; an operator's order raises
``JournalUnavailableError`` (the API answers it with its message). No client order id
reaches the venue twice.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from ai_trader.adapters.db import SqlJournal, create_database_engine, upgrade_database
from ai_trader.core.errors import JournalUnavailableError
from ai_trader.domain.bar import Bar
from ai_trader.domain.commands import OpenPosition
from ai_trader.domain.enums import OrderStatus, Side, SignalAction
from ai_trader.domain.events import OrderDenied, OrderSubmitted
from ai_trader.testing import (
    DEFAULT_SYMBOL,
    EngineHarness,
    ScriptedStrategy,
    bars_from_closes,
    build_engine,
)

pytestmark = pytest.mark.integration

LONG = SignalAction.ENTER_LONG
EXIT = SignalAction.EXIT
BUSY_TIMEOUT_MS = 50  # the production 5 s would only slow the test down


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Engine]:
    engine = create_database_engine(None, tmp_path / "journal.db")
    upgrade_database(engine)
    engine.dispose()

    def short_busy_timeout(connection: Any, _record: Any) -> None:
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    event.listen(engine, "connect", short_busy_timeout)
    yield engine
    engine.dispose()


class Lock:
    """Another connection holding ``BEGIN EXCLUSIVE`` on the database file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._holder: sqlite3.Connection | None = None

    def hold(self) -> None:
        self._holder = sqlite3.connect(self._path, isolation_level=None)
        self._holder.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        if self._holder is not None:
            self._holder.rollback()
            self._holder.close()
            self._holder = None


def orphans(h: EngineHarness, journal: SqlJournal) -> list[str]:
    """Orders in the engine's book that the journal does not hold."""
    return [
        record.order.client_order_id
        for record in h.engine.orders.records()
        if journal.order(record.order.client_order_id) is None
    ]


def submitted_twice(h: EngineHarness) -> list[str]:
    counts = Counter(e.order.client_order_id for e in h.recorder.of_type(OrderSubmitted))
    return [cid for cid, n in counts.items() if n > 1]


def test_strategy_order_while_journal_locked_then_denied_no_orphan_and_keeps_trading(
    database: Engine, tmp_path: Path
) -> None:
    journal = SqlJournal(database)
    strategy = ScriptedStrategy({1: LONG, 3: LONG, 5: EXIT})
    h = build_engine(
        bars_from_closes([100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0]),
        strategies=[strategy],
        journal=journal,
    )
    lock = Lock(tmp_path / "journal.db")

    def on_bar(bar: Bar) -> None:
        seen = len(strategy.bars_seen)
        if seen == 1:
            lock.hold()  # during bar 1, when the strategy enters
        elif seen == 2:
            lock.release()

    h.engine.subscribe_bars(on_bar)
    try:
        h.run()
    finally:
        lock.release()

    denied = h.recorder.of_type(OrderDenied)
    assert len(denied) == 1
    assert denied[0].reason.startswith("journal unavailable: database is locked")
    assert journal.order(denied[0].client_order_id) is None  # nothing to journal: not sent
    assert h.engine.orders.get(denied[0].client_order_id) is None
    assert orphans(h, journal) == []
    assert h.engine.strategies == [strategy]  # not detached
    assert len(strategy.bars_seen) == 8
    assert len(strategy.fills_seen) == 2  # bar 3's entry and bar 5's exit filled
    assert h.portfolio.position_quantity(DEFAULT_SYMBOL) == 0
    statuses = [journal.order(r.order.client_order_id) for r in h.engine.orders.records()]
    assert [row.status for row in statuses if row is not None] == [OrderStatus.FILLED] * 2
    assert submitted_twice(h) == []


def test_operator_order_while_journal_locked_then_error_no_orphan_then_retry_works(
    database: Engine, tmp_path: Path
) -> None:
    journal = SqlJournal(database)
    h = build_engine(bars_from_closes([100.0, 101.0]), journal=journal)
    h.run()
    lock = Lock(tmp_path / "journal.db")
    request = OpenPosition(DEFAULT_SYMBOL, Side.BUY, quantity=Decimal(1))

    lock.hold()
    try:
        with pytest.raises(JournalUnavailableError, match="journal unavailable: database is"):
            h.engine.open_position(request)
    finally:
        lock.release()

    assert len(h.engine.orders) == 0
    assert h.recorder.of_type(OrderSubmitted) == []

    retried = h.engine.open_position(request)

    assert not isinstance(retried, OrderDenied)
    row = journal.order(retried.client_order_id)
    assert row is not None
    assert row.status == OrderStatus.ACCEPTED  # it fills at the next bar's open
    assert orphans(h, journal) == []
    assert submitted_twice(h) == []
