"""Crash recovery (SPEC STO-4, EXE-2): make the journal agree with the venue before any
new order is accepted.

``recover(journal, venue, database=..., prefix=...)`` runs once on start:

1. an order the journal holds as ``pending_submit`` is looked up at the venue by its client
   id — known: its acceptance (or rejection) is recorded; unknown: it never reached the
   venue and is recorded as canceled, "not sent before restart". Nothing is ever resent;
2. every venue order the journal lacks (exits the venue created itself) is recorded;
3. every venue fill the journal lacks is recorded (once: the journal ignores a fill it has);
4. orders the venue closed while the engine was down are closed in the journal;
5. positions rebuilt from the journal's fills are compared with the venue's positions, and
   the journal's open orders with the venue's. A difference fails closed: ``ok`` is false
   and ``require_ok()`` raises ``RecoveryFailed``, so no order is sent.

The report also carries what the engine needs to resume: the fills, the orders still working
and the client order id sequence to continue from, so no id is used twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from sqlalchemy import Engine, select

from ai_trader.adapters.db.journal import SqlJournal
from ai_trader.adapters.db.models import OrderRow
from ai_trader.core.errors import InvariantViolation
from ai_trader.core.ids import ClientOrderId, VenueOrderId
from ai_trader.core.money import ZERO
from ai_trader.domain.enums import OrderStatus
from ai_trader.domain.events import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import VenueOrderState

logger = logging.getLogger(__name__)

NOT_SENT_REASON = "not sent before restart"


class RecoveryFailed(InvariantViolation):
    """The journal and the venue disagree after reconciliation: trading stays closed."""


class ReconcilableVenue(Protocol):
    """What recovery asks of a venue: its orders by client id, its fills and positions."""

    @property
    def venue(self) -> str: ...

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None: ...

    def order_states(self) -> list[VenueOrderState]: ...

    def fills(self) -> Sequence[Fill]: ...

    def positions(self) -> Mapping[str, Decimal]: ...


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An order still working at the venue, with what has filled of it so far."""

    order: Order
    venue_order_id: VenueOrderId
    remaining: Decimal
    fills: tuple[Fill, ...]


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    fills: tuple[Fill, ...]
    open_orders: tuple[OpenOrder, ...]
    next_sequence: int
    accepted: tuple[str, ...] = ()
    canceled_unsent: tuple[str, ...] = ()
    imported_fills: int = 0
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def require_ok(self) -> RecoveryReport:
        if self.problems:
            raise RecoveryFailed("recovery found differences: " + "; ".join(self.problems))
        return self


def recover(
    journal: SqlJournal,
    venue: ReconcilableVenue,
    *,
    database: Engine,
    prefix: str,
    ts_event: int = 0,
) -> RecoveryReport:
    """Reconcile ``journal`` with ``venue``; see the module docstring for the steps."""
    accepted, unsent = _resolve_pending(journal, venue, ts_event)
    _record_unknown_orders(journal, venue, ts_event)
    imported = _import_fills(journal, venue, ts_event)
    _close_orders_closed_at_venue(journal, venue, ts_event)
    fills = tuple(journal.fills())
    open_orders = _open_orders(venue, fills)
    report = RecoveryReport(
        fills=fills,
        open_orders=open_orders,
        next_sequence=_next_sequence(database, venue, prefix),
        accepted=tuple(accepted),
        canceled_unsent=tuple(unsent),
        imported_fills=imported,
        problems=tuple(_differences(journal, venue)),
    )
    logger.info(
        "recovery: %d pending accepted, %d pending never sent, %d fills imported, "
        "%d orders working, next order sequence %d, %s",
        len(accepted),
        len(unsent),
        imported,
        len(open_orders),
        report.next_sequence,
        "ok" if report.ok else f"FAILED: {report.problems}",
    )
    return report


def _resolve_pending(
    journal: SqlJournal, venue: ReconcilableVenue, ts_event: int
) -> tuple[list[str], list[str]]:
    accepted: list[str] = []
    unsent: list[str] = []
    for row in journal.open_orders():
        if row.status != OrderStatus.PENDING_SUBMIT:
            continue
        cid = ClientOrderId(row.client_order_id)
        state = venue.order_state(cid)
        if state is None:
            journal.record_event(OrderCanceled(cid, NOT_SENT_REASON, ts_event))
            unsent.append(cid)
        else:
            _record_state(journal, state, ts_event)
            accepted.append(cid)
    return accepted, unsent


def _record_state(journal: SqlJournal, state: VenueOrderState, ts_event: int) -> None:
    if state.venue_order_id is not None:
        journal.record_event(OrderAccepted(state.order, state.venue_order_id, ts_event))
    elif state.status is OrderStatus.REJECTED:
        journal.record_event(OrderRejected(state.order, state.reason, ts_event))


def _record_unknown_orders(journal: SqlJournal, venue: ReconcilableVenue, ts_event: int) -> None:
    for state in venue.order_states():
        if journal.order(state.order.client_order_id) is None:
            _record_state(journal, state, ts_event)


def _import_fills(journal: SqlJournal, venue: ReconcilableVenue, ts_event: int) -> int:
    known = {_fill_key(fill) for fill in journal.fills()}
    venue_fills = list(venue.fills())
    imported = 0
    for index, fill in enumerate(venue_fills):
        if _fill_key(fill) in known:
            continue
        state = venue.order_state(fill.client_order_id)
        later = sum(
            (
                f.quantity
                for f in venue_fills[index + 1 :]
                if f.client_order_id == fill.client_order_id
            ),
            ZERO,
        )
        remaining = (state.remaining if state and state.remaining is not None else ZERO) + later
        journal.record_event(OrderFilled(fill, remaining, ts_event))
        imported += 1
    return imported


def _close_orders_closed_at_venue(
    journal: SqlJournal, venue: ReconcilableVenue, ts_event: int
) -> None:
    for row in journal.open_orders():
        state = venue.order_state(ClientOrderId(row.client_order_id))
        if state is None:
            continue
        if state.status is OrderStatus.CANCELED:
            journal.record_event(OrderCanceled(state.order.client_order_id, state.reason, ts_event))
        elif state.status is OrderStatus.REJECTED:
            journal.record_event(OrderRejected(state.order, state.reason, ts_event))


def _open_orders(venue: ReconcilableVenue, fills: tuple[Fill, ...]) -> tuple[OpenOrder, ...]:
    result = []
    for state in venue.order_states():
        if not state.status.is_open or state.venue_order_id is None:
            continue
        own = tuple(f for f in fills if f.client_order_id == state.order.client_order_id)
        remaining = state.remaining if state.remaining is not None else state.order.quantity
        result.append(OpenOrder(state.order, state.venue_order_id, remaining, own))
    return tuple(result)


def _next_sequence(database: Engine, venue: ReconcilableVenue, prefix: str) -> int:
    """The highest sequence any journaled or venue-known id of ``prefix`` used."""
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)")
    with database.connect() as connection:
        journaled = list(connection.scalars(select(OrderRow.client_order_id)))
    ids = journaled + [state.order.client_order_id for state in venue.order_states()]
    numbers = [int(m.group(1)) for m in map(pattern.match, ids) if m is not None]
    return max(numbers, default=0)


def _differences(journal: SqlJournal, venue: ReconcilableVenue) -> list[str]:
    problems = []
    local = {s: p.quantity for s, p in journal.positions_from_fills().items() if p.quantity != 0}
    remote = {s: Decimal(q) for s, q in venue.positions().items() if q != 0}
    if local != remote:
        problems.append(f"positions differ: journal {local}, venue {remote}")
    journal_open = {row.client_order_id for row in journal.open_orders()}
    venue_open = {s.order.client_order_id for s in venue.order_states() if s.status.is_open}
    if journal_open != venue_open:
        problems.append(
            f"open orders differ: only in journal {sorted(journal_open - venue_open)}, "
            f"only at venue {sorted(venue_open - journal_open)}"
        )
    return problems


def _fill_key(fill: Fill) -> tuple[str, str, str]:
    return fill.venue, str(fill.venue_order_id), str(fill.trade_id)
