"""One repository and journal suite, run against SQLite (a file) and real PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from ai_trader.adapters.db import (
    TABLE_NAMES,
    AuditEventRow,
    Base,
    OptimizationRunRow,
    ParameterChangeRow,
    PerformanceMetricRow,
    PositionRow,
    Repositories,
    SqlJournal,
    TradeRow,
    create_database_engine,
    current_revision,
    head_revision,
    upgrade_database,
)
from ai_trader.core.errors import InvariantViolation
from ai_trader.core.ids import ClientOrderId, VenueOrderId
from ai_trader.domain.enums import OrderStatus, Side, SignalAction
from ai_trader.domain.events import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    TradingHalted,
)
from ai_trader.ports.journal import Journal
from ai_trader.testing import (
    BASE_TS,
    ScriptedStrategy,
    bars_from_closes,
    build_engine,
    limit_order,
    make_fill,
    market_order,
)

pytestmark = pytest.mark.integration

RUNBOOK_QUERIES = (
    "SELECT * FROM trades ORDER BY timestamp DESC LIMIT 10",
    "SELECT * FROM parameter_history ORDER BY timestamp DESC LIMIT 10",
    "SELECT * FROM optimization_runs ORDER BY timestamp DESC LIMIT 5",
    "SELECT * FROM performance_metrics ORDER BY timestamp DESC LIMIT 5",
    "SELECT * FROM performance_metrics ORDER BY date DESC LIMIT 5",
)
EXACT_DECIMALS = (
    Decimal("0.1"),
    Decimal("0.000000000000000001"),
    Decimal("12345678901234567890.123456789012345678"),
    Decimal("99999999999999999999.999999999999999999"),
)
MOMENT = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


@dataclass
class Database:
    backend: str
    url: str | None
    path: Path
    engine: Engine

    def second_engine(self) -> Engine:
        """An independent engine (own pool, own connections) on the same database."""
        return create_database_engine(self.url, self.path)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "data" / "trading_bot.db"
    url: str | None = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    engine = create_database_engine(url, path)
    upgrade_database(engine)
    try:
        yield Database(request.param, url, path, engine)
    finally:
        engine.dispose()


@pytest.fixture
def journal(database: Database) -> SqlJournal:
    return SqlJournal(database.engine, now=lambda: MOMENT)


@pytest.fixture
def repositories(database: Database) -> Repositories:
    return Repositories.for_engine(database.engine)


def fill_event(**kwargs: object) -> OrderFilled:
    remaining = kwargs.pop("remaining", Decimal(0))
    fill = make_fill(Side.BUY, kwargs.pop("quantity", 1), kwargs.pop("price", 100), **kwargs)  # type: ignore[arg-type]
    return OrderFilled(fill, Decimal(str(remaining)), fill.ts_event)


def add_one_row_to_each_history_table(repositories: Repositories) -> None:
    repositories.trades.add(
        TradeRow(
            timestamp=MOMENT,
            symbol="BTC/USDT",
            side="buy",
            quantity=Decimal("0.5"),
            entry_price=Decimal("100"),
            exit_price=Decimal("110"),
            pnl=Decimal("5"),
            fees=Decimal("0.1"),
            entry_time=MOMENT - timedelta(hours=1),
            strategy="sma_cross",
        )
    )
    repositories.parameter_history.add(
        ParameterChangeRow(
            timestamp=MOMENT,
            strategy="sma_cross",
            parameter="fast",
            old_value="10",
            new_value="12",
            reason="optimiser",
            actor="ai",
        )
    )
    repositories.optimization_runs.add(
        OptimizationRunRow(
            timestamp=MOMENT, study="sma", params={"fast": 12, "slow": 30}, score=1.5, status="done"
        )
    )
    repositories.performance_metrics.add(
        PerformanceMetricRow(
            timestamp=MOMENT,
            scope="portfolio",
            date=MOMENT.date(),
            equity=Decimal("10005"),
            pnl=Decimal("5"),
            win_rate=0.6,
            sharpe_ratio=1.2,
            trade_count=1,
        )
    )


# -- schema --------------------------------------------------------------------------


def test_upgrade_creates_every_table_and_reaches_head(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())

    assert set(TABLE_NAMES) <= tables
    assert {"trades", "parameter_history", "optimization_runs", "performance_metrics"} <= tables
    assert "alembic_version" in tables
    assert current_revision(database.engine) == head_revision()


def test_migrations_create_exactly_the_schema_the_models_describe(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_of_an_up_to_date_database_changes_nothing(database: Database) -> None:
    assert upgrade_database(database.engine) == head_revision()


@pytest.mark.parametrize("query", RUNBOOK_QUERIES)
def test_runbook_query_returns_the_newest_rows(
    database: Database, repositories: Repositories, query: str
) -> None:
    add_one_row_to_each_history_table(repositories)

    with database.engine.connect() as connection:
        rows = connection.execute(text(query)).all()

    assert len(rows) == 1


# -- journal: write-ahead intents and status ----------------------------------------


def test_sql_journal_implements_the_journal_port(journal: SqlJournal) -> None:
    assert isinstance(journal, Journal)


def test_recorded_intent_is_visible_from_a_second_connection_before_any_event(
    database: Database, journal: SqlJournal
) -> None:
    journal.record_intent(limit_order(Side.BUY, "0.5", "101.25", client_order_id="A-1"))

    other = database.second_engine()
    try:
        with other.connect() as connection:
            row = connection.execute(
                text("SELECT status, quantity, price FROM orders WHERE client_order_id = 'A-1'")
            ).one()
    finally:
        other.dispose()
    assert row.status == OrderStatus.PENDING_SUBMIT
    assert Decimal(str(row.quantity)) == Decimal("0.5")
    assert Decimal(str(row.price)) == Decimal("101.25")


def test_recording_the_same_intent_twice_keeps_one_order(journal: SqlJournal) -> None:
    order = market_order(Side.BUY, 1, client_order_id="A-1")

    journal.record_intent(order)
    journal.record_intent(order)

    assert [row.client_order_id for row in journal.open_orders()] == ["A-1"]


def test_accepted_order_gets_its_venue_order_id_and_stays_open(journal: SqlJournal) -> None:
    order = market_order(Side.BUY, 1, client_order_id="A-1")
    journal.record_intent(order)

    journal.record_event(OrderAccepted(order, VenueOrderId("V-9"), BASE_TS))

    row = journal.order("A-1")
    assert row is not None
    assert (row.status, row.venue_order_id) == (OrderStatus.ACCEPTED, "V-9")
    assert [r.client_order_id for r in journal.open_orders()] == ["A-1"]


def test_rejected_and_canceled_orders_are_closed_with_their_reason(journal: SqlJournal) -> None:
    rejected = market_order(Side.BUY, 1, client_order_id="A-1")
    canceled = limit_order(Side.SELL, 1, 120, client_order_id="A-2")
    journal.record_intent(rejected)
    journal.record_intent(canceled)

    journal.record_event(OrderRejected(rejected, "insufficient balance", BASE_TS))
    journal.record_event(OrderCanceled(ClientOrderId("A-2"), "strategy exit", BASE_TS))

    first, second = journal.order("A-1"), journal.order("A-2")
    assert first is not None
    assert second is not None
    assert (first.status, first.reason) == (OrderStatus.REJECTED, "insufficient balance")
    assert (second.status, second.reason) == (OrderStatus.CANCELED, "strategy exit")
    assert journal.open_orders() == []


def test_denied_orders_are_recorded_with_or_without_a_valid_order(journal: SqlJournal) -> None:
    pending = market_order(Side.BUY, 2, client_order_id="D-1")
    never_sent = market_order(Side.BUY, 3, client_order_id="D-3")
    journal.record_intent(pending)

    journal.record_event(OrderDenied(pending.client_order_id, "TEST/USD", Side.BUY, "halted", 1))
    journal.record_event(
        OrderDenied(ClientOrderId("D-2"), "TEST/USD", Side.BUY, "size rounds to 0", 1, order=None)
    )
    journal.record_event(
        OrderDenied(never_sent.client_order_id, "TEST/USD", Side.BUY, "limit", 1, never_sent)
    )

    rows = [journal.order(name) for name in ("D-1", "D-2", "D-3")]
    assert [row.status if row else None for row in rows] == [OrderStatus.DENIED] * 3
    assert [row.reason if row else None for row in rows] == ["halted", "size rounds to 0", "limit"]
    assert journal.open_orders() == []


def test_trading_halt_is_written_to_the_audit_events(
    journal: SqlJournal, repositories: Repositories
) -> None:
    journal.record_event(TradingHalted("daily loss", BASE_TS, until_ns=BASE_TS + 10**9))

    (event,) = repositories.audit_events.list_recent()
    assert (event.action, event.reason, event.actor) == ("trading_halted", "daily loss", "engine")
    assert event.payload == {"until": "2024-01-01T00:00:01+00:00"}


# -- journal: fills ------------------------------------------------------------------


def test_fill_marks_the_order_filled_and_is_stored_once(journal: SqlJournal) -> None:
    journal.record_intent(market_order(Side.BUY, 1, client_order_id="A-1"))
    event = fill_event(client_order_id="A-1", trade_id="T-1")

    journal.record_event(event)
    journal.record_event(event)  # the venue reports the same execution again

    row = journal.order("A-1")
    assert row is not None
    assert row.status == OrderStatus.FILLED
    assert row.venue_order_id == "SIM-A-1"
    assert journal.fills() == [event.fill]


def test_partial_fill_leaves_the_order_open(journal: SqlJournal) -> None:
    journal.record_intent(market_order(Side.BUY, 2, client_order_id="A-1"))

    journal.record_event(fill_event(client_order_id="A-1", remaining=1))

    assert [(r.client_order_id, r.status) for r in journal.open_orders()] == [
        ("A-1", OrderStatus.PARTIALLY_FILLED)
    ]


def test_fill_for_an_order_never_recorded_is_an_invariant_violation(journal: SqlJournal) -> None:
    with pytest.raises(InvariantViolation, match="unknown order X-1"):
        journal.record_event(fill_event(client_order_id="X-1"))
    assert journal.fills() == []


@pytest.mark.parametrize("value", EXACT_DECIMALS)
def test_fill_decimals_round_trip_exactly(journal: SqlJournal, value: Decimal) -> None:
    journal.record_intent(market_order(Side.BUY, 1, client_order_id="A-1"))

    journal.record_event(fill_event(client_order_id="A-1", quantity=value, price=value, fee=value))

    (fill,) = journal.fills()
    assert (fill.quantity, fill.price, fill.fee) == (value, value, value)


def test_positions_are_rebuilt_by_replaying_the_fills(journal: SqlJournal) -> None:
    for index, (side, quantity, price) in enumerate(
        [(Side.BUY, "2", "100"), (Side.BUY, "1", "130"), (Side.SELL, "1.5", "120")]
    ):
        name = f"A-{index}"
        journal.record_intent(market_order(side, quantity, client_order_id=name))
        fill = make_fill(side, quantity, price, "0.5", client_order_id=name, trade_id=f"T-{index}")
        journal.record_event(OrderFilled(fill, Decimal(0), BASE_TS + index))

    position = journal.positions_from_fills()["TEST/USD"]

    assert position.quantity == Decimal("1.5")
    assert position.average_price == Decimal("110")
    assert position.realized_pnl == Decimal("15")
    assert position.fees == Decimal("1.5")


def test_engine_run_with_the_sql_journal_leaves_every_order_closed_and_every_fill_stored(
    journal: SqlJournal,
) -> None:
    harness = build_engine(
        bars_from_closes([10.0, 11.0, 12.0, 13.0, 14.0]),
        strategies=[ScriptedStrategy({0: SignalAction.ENTER_LONG, 2: SignalAction.EXIT})],
        journal=journal,
    )

    harness.run()

    assert journal.open_orders() == []
    assert journal.fills() == harness.fills()
    assert len(harness.fills()) == 2
    assert journal.positions_from_fills()["TEST/USD"].is_flat


# -- repositories --------------------------------------------------------------------


def test_list_recent_returns_the_newest_rows_first_up_to_the_limit(
    repositories: Repositories,
) -> None:
    for hours in (1, 3, 2):
        repositories.audit_events.add(
            AuditEventRow(
                timestamp=MOMENT + timedelta(hours=hours),
                actor="operator",
                action="mode_changed",
                reason=f"step {hours}",
                payload={"mode": "halt", "step": hours},
            )
        )

    newest = repositories.audit_events.list_recent(limit=2)

    assert [row.reason for row in newest] == ["step 3", "step 2"]
    assert newest[0].payload == {"mode": "halt", "step": 3}


def test_timestamps_come_back_timezone_aware_utc(repositories: Repositories) -> None:
    add_one_row_to_each_history_table(repositories)

    (trade,) = repositories.trades.list_recent()

    assert trade.timestamp == MOMENT
    assert trade.timestamp.utcoffset() == timedelta(0)
    assert trade.entry_time == MOMENT - timedelta(hours=1)


@pytest.mark.parametrize("value", EXACT_DECIMALS)
def test_trade_decimals_round_trip_exactly(repositories: Repositories, value: Decimal) -> None:
    repositories.trades.add(
        TradeRow(
            timestamp=MOMENT,
            symbol="BTC/USDT",
            side="sell",
            quantity=value,
            entry_price=value,
            exit_price=value,
            pnl=value.copy_negate(),
            fees=value,
            entry_time=MOMENT,
        )
    )

    (trade,) = repositories.trades.list_recent()

    assert (trade.quantity, trade.pnl, trade.fees) == (value, value.copy_negate(), value)


def test_saving_a_position_replaces_the_symbols_row(repositories: Repositories) -> None:
    for quantity in ("1", "2.5"):
        repositories.positions.save(
            PositionRow(
                symbol="BTC/USDT",
                quantity=Decimal(quantity),
                average_price=Decimal("100"),
                realized_pnl=Decimal(0),
                fees=Decimal(0),
                timestamp=MOMENT,
            )
        )

    assert [(p.symbol, p.quantity) for p in repositories.positions.all()] == [
        ("BTC/USDT", Decimal("2.5"))
    ]


def test_performance_metrics_keep_the_date_the_runbook_orders_by(
    repositories: Repositories,
) -> None:
    add_one_row_to_each_history_table(repositories)

    (metric,) = repositories.performance_metrics.list_recent()

    assert metric.date == date(2024, 1, 2)
    assert metric.equity == Decimal("10005")


# -- SQLite specifics ----------------------------------------------------------------


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "data" / "trading_bot.db"
    engine = create_database_engine(None, path)
    upgrade_database(engine)
    try:
        yield Database("sqlite", None, path, engine)
    finally:
        engine.dispose()


def test_default_sqlite_database_is_created_with_its_parent_directories(
    sqlite_database: Database,
) -> None:
    assert sqlite_database.path.is_file()


def test_sqlite_connections_use_wal_and_full_synchronous_commits(
    sqlite_database: Database,
) -> None:
    with sqlite_database.engine.connect() as connection:
        journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert (journal_mode, synchronous, foreign_keys) == ("wal", 2, 1)  # 2 is FULL
    assert busy_timeout == 5000


@pytest.mark.parametrize("query", RUNBOOK_QUERIES)
def test_runbook_query_runs_on_the_file_with_the_sqlite3_module(
    sqlite_database: Database, query: str
) -> None:
    add_one_row_to_each_history_table(Repositories.for_engine(sqlite_database.engine))

    connection = sqlite3.connect(sqlite_database.path)
    try:
        rows = connection.execute(query).fetchall()
    finally:
        connection.close()

    assert len(rows) == 1


def test_sqlite_stores_decimals_as_exact_text(sqlite_database: Database) -> None:
    journal = SqlJournal(sqlite_database.engine)
    journal.record_intent(limit_order(Side.BUY, "0.1", "0.000000000000000001"))

    connection = sqlite3.connect(sqlite_database.path)
    try:
        row = connection.execute("SELECT quantity, price FROM orders").fetchone()
    finally:
        connection.close()

    assert row == ("0.1", "0.000000000000000001")


def test_batch_when_it_ends_then_acceptance_fill_and_cancel_commit_together(
    journal: SqlJournal, database: Database
) -> None:
    order = market_order(Side.BUY, 1, client_order_id="B-1")
    other = limit_order(Side.SELL, 1, 120, client_order_id="B-2")
    journal.record_intent(order)
    journal.record_intent(other)
    probe_engine = database.second_engine()
    probe = SqlJournal(probe_engine)  # a reader on its own connections

    with journal.batch():
        journal.record_event(OrderAccepted(order, VenueOrderId("V-1"), BASE_TS))
        journal.record_event(fill_event(client_order_id="B-1"))
        journal.record_event(OrderCanceled(ClientOrderId("B-2"), "operator", BASE_TS))
        if database.backend == "postgresql":  # SQLite's single writer blocks; PG shows isolation
            row = probe.order("B-1")
            assert row is not None
            assert row.status == OrderStatus.PENDING_SUBMIT

    first, second = probe.order("B-1"), probe.order("B-2")
    assert first is not None
    assert second is not None
    assert first.status == OrderStatus.FILLED
    assert second.status == OrderStatus.CANCELED
    assert len(probe.fills("B-1")) == 1
    probe_engine.dispose()


def test_batch_when_an_error_escapes_then_nothing_of_it_is_kept(journal: SqlJournal) -> None:
    order = market_order(Side.BUY, 1, client_order_id="B-1")
    journal.record_intent(order)

    def crash_inside_a_batch() -> None:
        with journal.batch():
            journal.record_event(OrderAccepted(order, VenueOrderId("V-1"), BASE_TS))
            raise RuntimeError("crash before the commit")

    with pytest.raises(RuntimeError):
        crash_inside_a_batch()

    row = journal.order("B-1")
    assert row is not None
    assert row.status == OrderStatus.PENDING_SUBMIT
