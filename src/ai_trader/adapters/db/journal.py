"""``SqlJournal``: the write-ahead order journal (SPEC EXE-2) on SQLAlchemy.

``record_intent`` commits the order as ``pending_submit`` before it returns, so an order
the executor may have seen is always on disk. ``record_event`` moves the order's status
and stores fills once per (venue, venue order id, trade id): a repeated fill is ignored.
The queries at the bottom are what crash recovery reads back.

A write the database refuses for the moment (SQLite's ``database is locked`` after the
busy timeout, a PostgreSQL connection lost: SQLAlchemy's ``OperationalError``) raises
``JournalUnavailableError`` ("journal unavailable: <the driver's message>"), so callers
need not know SQLAlchemy. A refused ``record_intent`` wrote nothing: the order must not
be sent.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    Update,
    bindparam,
    case,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ai_trader.adapters.db.models import AuditEventRow, FillRow, OrderRow
from ai_trader.core.clock import datetime_to_ns, ns_to_datetime
from ai_trader.core.errors import InvariantViolation, JournalUnavailableError
from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.domain.enums import LiquiditySide, OrderStatus, Side
from ai_trader.domain.events import (
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    TradingHalted,
    TradingResumed,
)
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.positions import Position

logger = logging.getLogger(__name__)

OPEN_STATUSES = tuple(status.value for status in OrderStatus if status.is_open)
JOURNAL_ACTOR = "engine"


def _wall_clock() -> datetime:
    return datetime.now(tz=UTC)


class SqlJournal:
    """The ``Journal`` port on a SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, now: Callable[[], datetime] = _wall_clock) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._now = now
        self._batch: Connection | None = None

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Events recorded inside share one transaction, committed when it ends; nested
        batches join the outer one. Callers serialise access (the engine lock)."""
        if self._batch is not None:
            yield
            return
        with _unavailable_as_error(), self._engine.begin() as connection:
            self._batch = connection
            try:
                yield
            finally:
                self._batch = None

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        if self._batch is not None:
            yield self._batch
        else:
            with self._engine.begin() as connection:
                yield connection

    @contextlib.contextmanager
    def _orm_writing(self) -> Iterator[Session]:
        if self._batch is not None:
            with Session(bind=self._batch, expire_on_commit=False) as session:
                yield session
                session.flush()
        else:
            with self._sessions.begin() as session:
                yield session

    # -- the Journal port -------------------------------------------------------------

    def record_intent(self, order: Order) -> None:
        """Insert ``order`` as ``pending_submit`` and commit. Recording the same id again
        (a retry or a replay after restart) leaves the first record as it is."""
        values = self._intent_values(order)
        with _unavailable_as_error(), self._engine.begin() as connection:
            connection.execute(_statements(connection.dialect.name).insert_order, values)

    def record_event(self, event: Event) -> None:
        if not isinstance(event, _JOURNALED_EVENTS):
            return  # nothing to write (OrderSubmitted, SignalGenerated): no transaction
        with _unavailable_as_error():
            self._record(event)

    def _record(self, event: Event) -> None:
        if isinstance(event, OrderAccepted) and self._accept(event):
            return
        if isinstance(event, OrderFilled):
            self._record_fill(event)
            return
        with self._orm_writing() as session:
            if isinstance(event, OrderAccepted):
                row = self._row_for(session, event.order)
                row.venue_order_id = event.venue_order_id
                if row.status == OrderStatus.PENDING_SUBMIT:
                    self._set_status(row, OrderStatus.ACCEPTED, None)
            elif isinstance(event, OrderRejected):
                row = self._row_for(session, event.order)
                self._set_status(row, OrderStatus.REJECTED, event.reason)
            elif isinstance(event, OrderCanceled):
                self._record_cancel(session, event)
            elif isinstance(event, OrderDenied):
                self._record_denial(session, event)
            elif isinstance(event, TradingHalted | TradingResumed):
                self._record_trading_switch(session, event)

    def _accept(self, event: OrderAccepted) -> bool:
        """The common case in one UPDATE statement; False when the intent is missing."""
        parameters = {
            "p_client_order_id": event.order.client_order_id,
            "p_venue_order_id": event.venue_order_id,
            "p_updated_at": self._now(),
        }
        with self._writing() as connection:
            statement = _statements(connection.dialect.name).accept
            return bool(connection.execute(statement, parameters).rowcount)

    # -- queries for recovery -----------------------------------------------------------

    def order(self, client_order_id: str) -> OrderRow | None:
        with self._sessions() as session:
            return session.get(OrderRow, client_order_id)

    def open_orders(self) -> list[OrderRow]:
        """Orders that may still be working at the venue, oldest first."""
        query = (
            select(OrderRow)
            .where(OrderRow.status.in_(OPEN_STATUSES))
            .order_by(OrderRow.timestamp, OrderRow.client_order_id)
        )
        with self._sessions() as session:
            return list(session.scalars(query))

    def fills(self, client_order_id: str | None = None) -> list[Fill]:
        """Recorded fills in the order they happened (all, or one order's)."""
        query = select(FillRow).order_by(FillRow.timestamp, FillRow.id)
        if client_order_id is not None:
            query = query.where(FillRow.client_order_id == client_order_id)
        with self._sessions() as session:
            return [_fill_from_row(row) for row in session.scalars(query)]

    def recent_fills(self, limit: int) -> list[Fill]:
        """The latest ``limit`` recorded fills, newest first."""
        query = select(FillRow).order_by(FillRow.timestamp.desc(), FillRow.id.desc()).limit(limit)
        with self._sessions() as session:
            return [_fill_from_row(row) for row in session.scalars(query)]

    def positions_from_fills(self) -> dict[str, Position]:
        """Positions rebuilt by replaying every recorded fill."""
        positions: dict[str, Position] = {}
        for fill in self.fills():
            position = positions.get(fill.symbol, Position(fill.symbol))
            positions[fill.symbol] = position.apply(fill)
        return positions

    # -- internals ----------------------------------------------------------------------

    def _intent_values(self, order: Order) -> dict[str, object]:
        """The ``orders`` columns of a new intent, for a Core INSERT (no ORM object)."""
        return {
            "client_order_id": order.client_order_id,
            "symbol": order.symbol,
            "side": order.side.value,
            "type": order.order_type.value,
            "quantity": order.quantity,
            "price": order.price,
            "quote_quantity": order.quote_quantity,
            "reduce_only": order.reduce_only,
            "status": OrderStatus.PENDING_SUBMIT.value,
            "venue_order_id": None,
            "reason": None,
            "tag": order.tag,
            "parent_id": order.parent_id,
            "timestamp": ns_to_datetime(order.ts_init),
            "updated_at": self._now(),
        }

    def _order_row(self, order: Order, status: OrderStatus) -> OrderRow:
        values = self._intent_values(order)
        values["order_type"] = values.pop("type")  # the attribute's name, not the column's
        values["status"] = status.value
        return OrderRow(**values)

    def _row_for(self, session: Session, order: Order) -> OrderRow:
        row = session.get(OrderRow, order.client_order_id)
        if row is None:  # an event for an order whose intent was never journaled
            logger.warning("order %s had no recorded intent", order.client_order_id)
            row = self._order_row(order, OrderStatus.PENDING_SUBMIT)
            session.add(row)
        return row

    def _set_status(self, row: OrderRow, status: OrderStatus, reason: str | None) -> None:
        row.status = status.value
        if reason is not None:
            row.reason = reason
        row.updated_at = self._now()

    def _record_fill(self, event: OrderFilled) -> None:
        """Insert the fill unless its (venue, venue order id, trade id) is known, and move
        the order's status, in one transaction of two Core statements."""
        fill = event.fill
        status = OrderStatus.FILLED if event.remaining <= 0 else OrderStatus.PARTIALLY_FILLED
        with self._writing() as connection:
            statements = _statements(connection.dialect.name)
            try:
                inserted = connection.execute(statements.insert_fill, _fill_values(fill)).rowcount
            except IntegrityError:
                raise InvariantViolation(
                    f"fill {fill.trade_id} for unknown order {fill.client_order_id}: "
                    "no fill without a recorded order"
                ) from None
            if inserted == 0:
                logger.info("duplicate fill %s/%s ignored", fill.venue, fill.trade_id)
                return
            connection.execute(
                statements.fill_status,
                {
                    "p_client_order_id": fill.client_order_id,
                    "p_status": status.value,
                    "p_venue_order_id": fill.venue_order_id,
                    "p_updated_at": self._now(),
                },
            )

    def _record_cancel(self, session: Session, event: OrderCanceled) -> None:
        row = session.get(OrderRow, event.client_order_id)
        if row is None:
            logger.warning("cancel for unknown order %s ignored", event.client_order_id)
            return
        self._set_status(row, OrderStatus.CANCELED, event.reason)

    def _record_denial(self, session: Session, event: OrderDenied) -> None:
        row = session.get(OrderRow, event.client_order_id)
        if row is None:
            if event.order is not None:
                row = self._order_row(event.order, OrderStatus.DENIED)
            else:
                row = OrderRow(
                    client_order_id=event.client_order_id,
                    symbol=event.symbol,
                    side=event.side.value,
                    reduce_only=False,
                    status=OrderStatus.DENIED.value,
                    tag="",
                    timestamp=ns_to_datetime(event.ts_event),
                    updated_at=self._now(),
                )
            session.add(row)
        self._set_status(row, OrderStatus.DENIED, event.reason)

    def _record_trading_switch(
        self, session: Session, event: TradingHalted | TradingResumed
    ) -> None:
        halted = isinstance(event, TradingHalted)
        payload: dict[str, object] = {}
        if isinstance(event, TradingHalted) and event.until_ns is not None:
            payload["until"] = ns_to_datetime(event.until_ns).isoformat()
        session.add(
            AuditEventRow(
                timestamp=ns_to_datetime(event.ts_event),
                actor=JOURNAL_ACTOR,
                action="trading_halted" if halted else "trading_resumed",
                reason=event.reason,
                payload=payload,
            )
        )


@contextlib.contextmanager
def _unavailable_as_error() -> Iterator[None]:
    """SQLAlchemy's ``OperationalError`` (locked, connection lost) as the project's error."""
    try:
        yield
    except OperationalError as exc:
        raise JournalUnavailableError(f"journal unavailable: {exc.orig}") from exc


_JOURNALED_EVENTS = (
    OrderFilled,
    OrderAccepted,
    OrderRejected,
    OrderCanceled,
    OrderDenied,
    TradingHalted,
    TradingResumed,
)


@dataclass(frozen=True, slots=True)
class _Statements:
    """The hot path's statements, built once per dialect; values travel as parameters,
    so each execution reuses the compiled form instead of building a new statement."""

    insert_order: Insert
    insert_fill: Insert
    accept: Update
    fill_status: Update


@functools.cache
def _statements(dialect: str) -> _Statements:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    by_id = OrderRow.client_order_id == bindparam("p_client_order_id")
    return _Statements(
        insert_order=insert(OrderRow).on_conflict_do_nothing(index_elements=["client_order_id"]),
        insert_fill=insert(FillRow).on_conflict_do_nothing(
            index_elements=["venue", "venue_order_id", "trade_id"]
        ),
        accept=update(OrderRow)
        .where(by_id)
        .values(
            venue_order_id=bindparam("p_venue_order_id"),
            status=case(
                (OrderRow.status == OrderStatus.PENDING_SUBMIT.value, OrderStatus.ACCEPTED.value),
                else_=OrderRow.status,
            ),
            updated_at=bindparam("p_updated_at"),
        ),
        fill_status=update(OrderRow)
        .where(by_id)
        .values(
            status=bindparam("p_status"),
            venue_order_id=func.coalesce(OrderRow.venue_order_id, bindparam("p_venue_order_id")),
            updated_at=bindparam("p_updated_at"),
        ),
    )


def _fill_values(fill: Fill) -> dict[str, object]:
    return {
        "client_order_id": fill.client_order_id,
        "venue": fill.venue,
        "venue_order_id": fill.venue_order_id,
        "trade_id": fill.trade_id,
        "symbol": fill.symbol,
        "side": fill.side.value,
        "quantity": fill.quantity,
        "price": fill.price,
        "fee": fill.fee,
        "liquidity": fill.liquidity.value,
        "timestamp": ns_to_datetime(fill.ts_event),
    }


def _fill_from_row(row: FillRow) -> Fill:
    return Fill(
        client_order_id=ClientOrderId(row.client_order_id),
        venue_order_id=VenueOrderId(row.venue_order_id),
        trade_id=TradeId(row.trade_id),
        venue=row.venue,
        symbol=row.symbol,
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        fee=row.fee,
        liquidity=LiquiditySide(row.liquidity),
        ts_event=datetime_to_ns(row.timestamp),
    )
