"""Order and position reconciliation while trading (SPEC EXE-6).

``Reconciler.run_cycle()`` compares the journal with the venue:

- **orders**: the journal's open orders with the venue's open orders. An order open on one
  side only is ``only_in_journal`` or ``only_at_venue`` when the other side does not know
  it at all, and ``status_mismatch`` when the other side knows it with another status (an
  order open on both sides with different statuses is a ``status_mismatch`` too);
- **positions**: positions rebuilt from the journal's fills with the venue's positions; a
  symbol whose quantities differ by more than ``position_tolerance`` drifts. The drift
  notes how many of the symbol's venue fills the journal lacks.

Before comparing, each ``pending_submit`` order of the journal (a submit whose answer never
came: a timeout, a lost connection) is looked up at the venue by its client order id, as
recovery does. When the venue has it, its outcome — acceptance, the fills the journal
lacks, a cancel or rejection — is journaled and passed to ``report`` (the engine's
``process``, so the engine's book and portfolio follow; without it only the journal
learns) and the order is compared as the venue now says. When the venue does not know
it, the outcome is still unknown: it stays ``pending_submit`` and counts as
``only_in_journal``; it is never assumed absent. A submit refused before it was sent is
no longer open in the journal (the engine closed it as "not sent"), so it is not
compared at all.

Every cycle appends one JSON line to ``order_reconciliation_events.jsonl`` and one to
``position_reconciliation_events.jsonl`` in ``events_dir``.

The 3/2 rule, as a state machine (``ok`` → ``mismatch`` → ``breached`` → ``ok``):

- a cycle with any difference counts in ``consecutive_mismatches``; a clean cycle before
  the breach resets the count;
- at ``breach_after`` (3) mismatching cycles in a row the state is ``breached`` and that
  cycle's ``result.breach`` holds the reason (``"reconciliation: 3 consecutive mismatching
  cycles: …"``), with which the caller halts entries;
- once breached, ``resume_after`` (2) clean cycles in a row are needed: that cycle's
  ``result.resumed`` is true and the state is ``ok`` again.

On start the service calls :func:`ai_trader.runtime.recovery.recover` first (it repairs
what it can), then :meth:`Reconciler.reconcile_at_start`, which fails closed: false when
any difference is left. Calls are not thread-safe; the service calls them under its
engine lock, from its tick, through :class:`ReconciliationLoop`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal, Protocol

from ai_trader.adapters.db.journal import SqlJournal
from ai_trader.core.clock import NANOS_PER_SECOND, Clock
from ai_trader.core.errors import ConfigurationError
from ai_trader.core.ids import ClientOrderId
from ai_trader.core.money import ZERO
from ai_trader.domain.enums import OrderStatus
from ai_trader.domain.events import (
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
)
from ai_trader.domain.fills import Fill
from ai_trader.domain.venue_state import VenueOrderState

logger = logging.getLogger(__name__)

ORDER_EVENTS_FILE = "order_reconciliation_events.jsonl"
POSITION_EVENTS_FILE = "position_reconciliation_events.jsonl"

OrderMismatchKind = Literal["only_in_journal", "only_at_venue", "status_mismatch"]
ORDER_MISMATCH_KINDS: tuple[OrderMismatchKind, ...] = (
    "only_in_journal",
    "only_at_venue",
    "status_mismatch",
)
POSITION_DRIFT = "position_drift"
MISMATCH_KINDS: tuple[str, ...] = (*ORDER_MISMATCH_KINDS, POSITION_DRIFT)

ReconciliationState = Literal["ok", "mismatch", "breached"]
_SHOWN_IN_REASON = 5


class ReconciliationVenue(Protocol):
    """The venue's view that reconciliation reads (``ReconcilableVenue`` has more)."""

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None: ...

    def order_states(self) -> list[VenueOrderState]: ...

    def fills(self) -> Sequence[Fill]: ...

    def positions(self) -> Mapping[str, Decimal]: ...


ReportHandler = Callable[[Event], None]


@dataclass(frozen=True, slots=True)
class OrderMismatch:
    """One order the journal and the venue disagree on; a status is ``None`` where the
    side does not know the order."""

    kind: OrderMismatchKind
    client_order_id: str
    symbol: str
    journal_status: str | None
    venue_status: str | None

    def describe(self) -> str:
        return (
            f"{self.kind.replace('_', ' ')} {self.client_order_id} "
            f"(journal {self.journal_status or '-'}, venue {self.venue_status or '-'})"
        )

    def to_dict(self) -> dict[str, str | None]:
        return {
            "type": self.kind,
            "client_order_id": self.client_order_id,
            "symbol": self.symbol,
            "journal_status": self.journal_status,
            "venue_status": self.venue_status,
        }


@dataclass(frozen=True, slots=True)
class PositionDrift:
    """A symbol whose journal and venue quantities differ; ``drift`` is venue − journal."""

    symbol: str
    journal_quantity: Decimal
    venue_quantity: Decimal
    fills_only_at_venue: int

    @property
    def drift(self) -> Decimal:
        return self.venue_quantity - self.journal_quantity

    def describe(self) -> str:
        return (
            f"position drift {self.symbol} (journal {self.journal_quantity}, "
            f"venue {self.venue_quantity})"
        )

    def to_dict(self) -> dict[str, str | int]:
        return {
            "type": POSITION_DRIFT,
            "symbol": self.symbol,
            "journal_quantity": str(self.journal_quantity),
            "venue_quantity": str(self.venue_quantity),
            "drift": str(self.drift),
            "fills_only_at_venue": self.fills_only_at_venue,
        }


@dataclass(frozen=True, slots=True)
class ReconciliationResult:
    """One cycle. ``breach`` is set on the cycle that breaches, ``resumed`` on the one
    that resumes; ``state`` says where the state machine stands after the cycle."""

    cycle: int
    ts: datetime
    orders: tuple[OrderMismatch, ...]
    positions: tuple[PositionDrift, ...]
    consecutive_mismatches: int
    consecutive_clean: int
    state: ReconciliationState
    breach: str | None = None
    resumed: bool = False

    @property
    def clean(self) -> bool:
        return not self.orders and not self.positions

    @property
    def breached(self) -> bool:
        return self.state == "breached"

    def describe(self) -> str:
        """The differences in one line ("clean" when there are none)."""
        parts = [m.describe() for m in self.orders] + [d.describe() for d in self.positions]
        if not parts:
            return "clean"
        shown = "; ".join(parts[:_SHOWN_IN_REASON])
        more = len(parts) - _SHOWN_IN_REASON
        return shown + (f"; and {more} more" if more > 0 else "")


@dataclass(frozen=True, slots=True)
class ReconciliationMetrics:
    """For the metrics exporter: ``mismatches`` counts the last cycle's differences by
    kind (every kind present, zero included), ``mismatches_total`` all cycles'."""

    cycles: int
    state: ReconciliationState
    consecutive_mismatches: int
    breaches: int
    mismatches: dict[str, int]
    mismatches_total: dict[str, int]
    max_position_drift: Decimal


class Reconciler:
    """Compares journal and venue each cycle and runs the 3/2 rule; see the module."""

    def __init__(
        self,
        journal: SqlJournal,
        venue: ReconciliationVenue,
        clock: Clock,
        events_dir: Path,
        breach_after: int = 3,
        resume_after: int = 2,
        position_tolerance: Decimal = Decimal("1e-9"),
        report: ReportHandler | None = None,
    ) -> None:
        if breach_after < 1 or resume_after < 1:
            raise ConfigurationError(
                f"breach_after and resume_after must be at least 1, "
                f"got {breach_after} and {resume_after}"
            )
        if not position_tolerance.is_finite() or position_tolerance < 0:
            raise ConfigurationError(
                f"position_tolerance must be a finite decimal ≥ 0, got {position_tolerance}"
            )
        self._journal = journal
        self._venue = venue
        self._engine_report = report
        self._clock = clock
        self._order_events = Path(events_dir) / ORDER_EVENTS_FILE
        self._position_events = Path(events_dir) / POSITION_EVENTS_FILE
        self._breach_after = breach_after
        self._resume_after = resume_after
        self._tolerance = position_tolerance
        self._cycles = 0
        self._state: ReconciliationState = "ok"
        self._consecutive_mismatches = 0
        self._consecutive_clean = 0
        self._breaches = 0
        self._last: ReconciliationResult | None = None
        self._totals: Counter[str] = Counter(dict.fromkeys(MISMATCH_KINDS, 0))

    @property
    def state(self) -> ReconciliationState:
        return self._state

    @property
    def last_result(self) -> ReconciliationResult | None:
        return self._last

    def run_cycle(self) -> ReconciliationResult:
        """Compare once, move the state machine, append the two event lines."""
        orders = tuple(self._compare_orders())
        positions = tuple(self._compare_positions())
        self._cycles += 1
        breach, resumed = self._advance(clean=not orders and not positions)
        result = ReconciliationResult(
            cycle=self._cycles,
            ts=self._clock.utc_now(),
            orders=orders,
            positions=positions,
            consecutive_mismatches=self._consecutive_mismatches,
            consecutive_clean=self._consecutive_clean,
            state=self._state,
            resumed=resumed,
        )
        if breach:
            self._breaches += 1
            result = _with_breach(result)
            logger.error("%s", result.breach)
        elif resumed:
            logger.warning("reconciliation: %d clean cycles in a row, resumed", self._resume_after)
        elif not result.clean:
            logger.warning(
                "reconciliation cycle %d: %s (%d in a row)",
                result.cycle,
                result.describe(),
                result.consecutive_mismatches,
            )
        self._totals.update(_kinds(result))
        self._last = result
        self._append_events(result)
        return result

    def reconcile_at_start(self) -> bool:
        """One cycle on start, after ``recover()``: false (fail closed) if any difference
        is left, which recovery could not resolve; the service must not trade then."""
        result = self.run_cycle()
        if result.clean:
            logger.info("reconciliation at start: journal and venue agree")
        else:
            logger.error("reconciliation at start failed: %s", result.describe())
        return result.clean

    def metrics(self) -> ReconciliationMetrics:
        last = self._last
        counts: Counter[str] = Counter(dict.fromkeys(MISMATCH_KINDS, 0))
        if last is not None:
            counts.update(_kinds(last))
        drifts = [abs(d.drift) for d in last.positions] if last is not None else []
        return ReconciliationMetrics(
            cycles=self._cycles,
            state=self._state,
            consecutive_mismatches=self._consecutive_mismatches,
            breaches=self._breaches,
            mismatches=dict(counts),
            mismatches_total=dict(self._totals),
            max_position_drift=max(drifts, default=Decimal(0)),
        )

    # -- comparison -------------------------------------------------------------------

    def _compare_orders(self) -> list[OrderMismatch]:
        venue_states: dict[str, VenueOrderState] = {
            s.order.client_order_id: s for s in self._venue.order_states()
        }
        self._resolve_pending(venue_states)
        journal_open = {row.client_order_id: row for row in self._journal.open_orders()}
        found: list[OrderMismatch] = []
        for cid, row in journal_open.items():
            state = venue_states.get(cid)
            if state is None:
                found.append(OrderMismatch("only_in_journal", cid, row.symbol, row.status, None))
            elif state.status.value != row.status:
                found.append(
                    OrderMismatch(
                        "status_mismatch", cid, row.symbol, row.status, state.status.value
                    )
                )
        for cid, state in venue_states.items():
            if not state.status.is_open or cid in journal_open:
                continue
            known = self._journal.order(cid)
            kind: OrderMismatchKind = "only_at_venue" if known is None else "status_mismatch"
            journal_status = None if known is None else known.status
            found.append(
                OrderMismatch(kind, cid, state.order.symbol, journal_status, state.status.value)
            )
        return found

    def _resolve_pending(self, venue_states: dict[str, VenueOrderState]) -> None:
        """Ask the venue, by client order id, about each ``pending_submit`` order and report
        what it has; an order it does not know is left as it is (outcome unknown)."""
        for row in self._journal.open_orders():
            if row.status != OrderStatus.PENDING_SUBMIT:
                continue
            cid = ClientOrderId(row.client_order_id)
            state = venue_states.get(cid) or self._venue.order_state(cid)
            if state is None:
                continue
            venue_states[cid] = state
            logger.warning(
                "reconciliation: pending order %s is %s at the venue; recorded",
                cid,
                state.status.value,
            )
            self._report_state(state)

    def _report(self, event: Event) -> None:
        """Journal first (a fill already journaled is ignored), then the engine, whose
        book may already hold what the journal lost (a batch whose commit failed)."""
        self._journal.record_event(event)
        if self._engine_report is not None:
            self._engine_report(event)

    def _report_state(self, state: VenueOrderState) -> None:
        order, ts = state.order, self._clock.timestamp_ns()
        cid = order.client_order_id
        if state.venue_order_id is not None:
            self._report(OrderAccepted(order, state.venue_order_id, ts))
        known = {_fill_key(fill) for fill in self._journal.fills(cid)}
        missing = [f for f in self._venue.fills() if f.client_order_id == cid]
        remaining = state.remaining if state.remaining is not None else ZERO
        for index, fill in enumerate(missing):
            if _fill_key(fill) in known:
                continue
            later = sum((f.quantity for f in missing[index + 1 :]), ZERO)
            self._report(OrderFilled(fill, remaining + later, ts))
        if state.status is OrderStatus.CANCELED:
            self._report(OrderCanceled(cid, state.reason or "closed at venue", ts))
        elif state.status is OrderStatus.REJECTED:
            self._report(OrderRejected(order, state.reason, ts))

    def _compare_positions(self) -> list[PositionDrift]:
        local = {s: p.quantity for s, p in self._journal.positions_from_fills().items()}
        remote = {s: Decimal(q) for s, q in self._venue.positions().items()}
        drifting = sorted(
            symbol
            for symbol in local.keys() | remote.keys()
            if abs(remote.get(symbol, Decimal(0)) - local.get(symbol, Decimal(0))) > self._tolerance
        )
        if not drifting:
            return []
        missing = self._fills_only_at_venue()
        return [
            PositionDrift(
                symbol,
                local.get(symbol, Decimal(0)),
                remote.get(symbol, Decimal(0)),
                missing[symbol],
            )
            for symbol in drifting
        ]

    def _fills_only_at_venue(self) -> Counter[str]:
        known = {_fill_key(fill) for fill in self._journal.fills()}
        return Counter(fill.symbol for fill in self._venue.fills() if _fill_key(fill) not in known)

    # -- the 3/2 rule -----------------------------------------------------------------

    def _advance(self, *, clean: bool) -> tuple[bool, bool]:
        """Move the state machine one cycle; return (breached now, resumed now)."""
        if clean:
            self._consecutive_mismatches = 0
            self._consecutive_clean += 1
            if self._state != "breached":
                self._state = "ok"
                return False, False
            if self._consecutive_clean >= self._resume_after:
                self._state = "ok"
                return False, True
            return False, False
        self._consecutive_clean = 0
        self._consecutive_mismatches += 1
        if self._state == "breached":
            return False, False
        if self._consecutive_mismatches >= self._breach_after:
            self._state = "breached"
            return True, False
        self._state = "mismatch"
        return False, False

    # -- events -----------------------------------------------------------------------

    def _append_events(self, result: ReconciliationResult) -> None:
        common: dict[str, object] = {
            "ts": result.ts.isoformat(timespec="microseconds"),
            "cycle": result.cycle,
            "consecutive_mismatches": result.consecutive_mismatches,
            "consecutive_clean": result.consecutive_clean,
            "state": result.state,
            "breach": result.breach,
            "resumed": result.resumed,
        }
        order_line = {
            "kind": "orders",
            **common,
            "clean": not result.orders,
            "mismatches": [m.to_dict() for m in result.orders],
        }
        drifts = [abs(d.drift) for d in result.positions]
        position_line = {
            "kind": "positions",
            **common,
            "clean": not result.positions,
            "max_abs_drift": str(max(drifts, default=Decimal(0))),
            "mismatches": [d.to_dict() for d in result.positions],
        }
        _append_line(self._order_events, order_line)
        _append_line(self._position_events, position_line)


class ReconciliationLoop:
    """Runs a reconciler every ``interval_seconds`` from the service's tick (no thread):
    ``due(now_ns)`` says whether a cycle is due; ``run_if_due(now_ns)`` runs it."""

    def __init__(self, reconciler: Reconciler, interval_seconds: float) -> None:
        if not interval_seconds > 0:
            raise ConfigurationError(f"interval_seconds must be positive, got {interval_seconds}")
        self._reconciler = reconciler
        self._interval_ns = int(interval_seconds * NANOS_PER_SECOND)
        self._last_run_ns: int | None = None

    @property
    def reconciler(self) -> Reconciler:
        return self._reconciler

    def due(self, now_ns: int) -> bool:
        """True when no cycle ran yet or the last one started ``interval_seconds`` ago."""
        return self._last_run_ns is None or now_ns - self._last_run_ns >= self._interval_ns

    def run_if_due(self, now_ns: int) -> ReconciliationResult | None:
        if not self.due(now_ns):
            return None
        self._last_run_ns = now_ns
        return self._reconciler.run_cycle()


def _with_breach(result: ReconciliationResult) -> ReconciliationResult:
    reason = (
        f"reconciliation: {result.consecutive_mismatches} consecutive mismatching cycles: "
        f"{result.describe()}"
    )
    return dataclasses.replace(result, breach=reason)


def _kinds(result: ReconciliationResult) -> Counter[str]:
    counts: Counter[str] = Counter(m.kind for m in result.orders)
    if result.positions:
        counts[POSITION_DRIFT] += len(result.positions)
    return counts


def _append_line(path: Path, line: Mapping[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(line) + "\n")


def _fill_key(fill: Fill) -> tuple[str, str, str]:
    return fill.venue, str(fill.venue_order_id), str(fill.trade_id)
