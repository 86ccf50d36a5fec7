"""The weekly TCA venue scorecard (SPEC OPS-8), from the journal's ``orders`` and ``fills``.

The week is the seven UTC days ending with ``week_ending`` (a Sunday for the scheduled
report); it holds the orders *created* in it, with all their fills.

What the journal can and cannot tell:

- **venue** — fills name their venue, orders do not: an order belongs to the venue of its
  first fill; an order without fills (rejected, cancelled, still open) to ``venue`` (the
  one the system trades on), else to ``unattributed``. Denied orders never reached a venue
  and are counted apart.
- **slippage** — the decision price (the last mark when the order was sent, which the live
  ``TcaTracker`` uses) is not journaled; the order's own ``price`` is. Slippage is measured
  per fill against the order's limit or stop price, in basis points, positive when worse for
  us (paid more on a buy, got less on a sell). Market orders have no price in the journal,
  so their fills are counted in ``fills_without_reference`` and not in the slippage figures.
- **latency** — from the order's ``timestamp`` (its creation, just before submission) to
  its first fill's ``timestamp`` (the venue's execution time).
- **fill rate** — orders with at least one fill over the orders whose outcome is known
  (filled + rejected + cancelled without a fill), as the live tracker counts it.

Grades (``GRADE_RULES``, first rule met wins; fewer than ``MIN_ORDERS_FOR_GRADE`` decided
orders → ``n/a``): a figure that cannot be computed (no priced fill, no fill) does not
count against the venue.

=====  =========  ============  ===============  ===============
grade  fill rate  reject rate   median slippage  median latency
=====  =========  ============  ===============  ===============
A      ≥ 95 %     ≤ 1 %         ≤ 5 bps          ≤ 1 s
B      ≥ 90 %     ≤ 3 %         ≤ 10 bps         ≤ 5 s
C      ≥ 75 %     ≤ 10 %        ≤ 25 bps         ≤ 30 s
D      otherwise
=====  =========  ============  ===============  ===============
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ai_trader.adapters.db import FillRow, OrderRow
from ai_trader.domain.enums import OrderStatus, Side
from ai_trader.runtime.daily_report import write_report

TCA_DIRECTORY = "tca"
UNATTRIBUTED = "unattributed"
MIN_ORDERS_FOR_GRADE = 5
OPEN_STATUSES = frozenset(status.value for status in OrderStatus if status.is_open)


@dataclass(frozen=True, slots=True)
class GradeRule:
    grade: str
    min_fill_rate: float
    max_reject_rate: float
    max_median_slippage_bps: float
    max_median_latency_ms: float


GRADE_RULES = (
    GradeRule("A", 0.95, 0.01, 5.0, 1_000.0),
    GradeRule("B", 0.90, 0.03, 10.0, 5_000.0),
    GradeRule("C", 0.75, 0.10, 25.0, 30_000.0),
)
LOWEST_GRADE = "D"
NO_GRADE = "n/a"


@dataclass(frozen=True, slots=True)
class VenueScorecard:
    venue: str
    orders: int
    filled: int
    rejected: int
    canceled: int
    canceled_unfilled: int
    open_orders: int
    fills: int
    fill_rate: float | None
    reject_rate: float | None
    slippage_samples: int
    fills_without_reference: int
    mean_slippage_bps: float | None
    median_slippage_bps: float | None
    median_latency_ms: float | None
    grade: str


@dataclass(frozen=True, slots=True)
class TcaScorecard:
    week_ending: date
    week: str  # ISO week of week_ending, e.g. 2026-W47
    start: datetime
    end: datetime
    generated_at: datetime
    denied_orders: int
    venues: tuple[VenueScorecard, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "report": "tca_scorecard",
            "week": self.week,
            "week_ending": self.week_ending.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "slippage_reference": "the order's limit or stop price (decision price not journaled)",
            "denied_orders": self.denied_orders,
            "venues": [asdict(venue) for venue in self.venues],
        }


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def build_tca_scorecard(
    database: Engine,
    week_ending: date,
    *,
    venue: str | None = None,
    generated_at: datetime | None = None,
) -> TcaScorecard:
    """The scorecard of the seven days ending with ``week_ending``; ``venue`` takes the
    orders that never filled (see the module docstring)."""
    end = datetime.combine(week_ending + timedelta(days=1), time(0), tzinfo=UTC)
    start = end - timedelta(days=7)
    with Session(database) as session:
        orders = list(
            session.scalars(
                select(OrderRow)
                .where(OrderRow.timestamp >= start, OrderRow.timestamp < end)
                .order_by(OrderRow.timestamp, OrderRow.client_order_id)
            )
        )
        ids = [order.client_order_id for order in orders]
        fills = _fills_of(session, ids)
    denied = [o for o in orders if o.status == OrderStatus.DENIED.value]
    grouped: dict[str, list[_OrderFills]] = {}
    for order in orders:
        if order.status == OrderStatus.DENIED.value:
            continue
        own = fills.get(order.client_order_id, [])
        name = own[0].venue if own else (venue or UNATTRIBUTED)
        grouped.setdefault(name, []).append(_OrderFills(order, own))
    return TcaScorecard(
        week_ending=week_ending,
        week=iso_week(week_ending),
        start=start,
        end=end,
        generated_at=generated_at or datetime.now(UTC),
        denied_orders=len(denied),
        venues=tuple(_score(name, grouped[name]) for name in sorted(grouped)),
    )


def write_tca_scorecard(scorecard: TcaScorecard, output_dir: Path) -> tuple[Path, Path]:
    """Write ``<output_dir>/tca/tca_scorecard_<YYYY-Www>.json`` and ``.md`` atomically."""
    stem = output_dir / TCA_DIRECTORY / f"tca_scorecard_{scorecard.week}"
    return write_report(stem, scorecard.to_json(), render_tca_markdown(scorecard))


def render_tca_markdown(scorecard: TcaScorecard) -> str:
    lines = [
        f"# TCA venue scorecard — {scorecard.week}",
        "",
        f"Orders created {scorecard.start:%Y-%m-%d} to {scorecard.week_ending:%Y-%m-%d} (UTC); "
        f"generated {scorecard.generated_at.isoformat()}.",
        "Slippage is against the order's limit or stop price (the decision price is not "
        "journaled); market orders' fills have no reference. Positive bps = worse for us.",
        "",
    ]
    if scorecard.venues:
        lines += [
            "| venue | grade | orders | fill rate | rejects | cancels | median slippage bps "
            "| mean slippage bps | median latency ms |",
            "|---|---|---|---|---|---|---|---|---|",
            *(_markdown_row(venue) for venue in scorecard.venues),
        ]
    else:
        lines.append("No orders in this week.")
    lines += ["", f"Denied orders (never sent to a venue): {scorecard.denied_orders}"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class _OrderFills:
    order: OrderRow
    fills: list[FillRow]


def _fills_of(session: Session, ids: list[str]) -> dict[str, list[FillRow]]:
    found: dict[str, list[FillRow]] = {}
    for offset in range(0, len(ids), 500):  # keep the IN list within driver limits
        chunk = ids[offset : offset + 500]
        query = (
            select(FillRow)
            .where(FillRow.client_order_id.in_(chunk))
            .order_by(FillRow.timestamp, FillRow.id)
        )
        for row in session.scalars(query):
            found.setdefault(row.client_order_id, []).append(row)
    return found


def _score(venue: str, items: list[_OrderFills]) -> VenueScorecard:
    filled = [item for item in items if item.fills]
    rejected = sum(1 for item in items if item.order.status == OrderStatus.REJECTED.value)
    canceled = [item for item in items if item.order.status == OrderStatus.CANCELED.value]
    canceled_unfilled = sum(1 for item in canceled if not item.fills)
    open_orders = sum(1 for item in items if not item.fills and item.order.status in OPEN_STATUSES)
    slippage = [bps for item in items for bps in _slippages(item)]
    latencies = [
        (item.fills[0].timestamp - item.order.timestamp).total_seconds() * 1e3 for item in filled
    ]
    fills = sum(len(item.fills) for item in items)
    decided = len(filled) + rejected + canceled_unfilled
    card = VenueScorecard(
        venue=venue,
        orders=len(items),
        filled=len(filled),
        rejected=rejected,
        canceled=len(canceled),
        canceled_unfilled=canceled_unfilled,
        open_orders=open_orders,
        fills=fills,
        fill_rate=len(filled) / decided if decided else None,
        reject_rate=rejected / len(items) if items else None,
        slippage_samples=len(slippage),
        fills_without_reference=fills - len(slippage),
        mean_slippage_bps=statistics.fmean(slippage) if slippage else None,
        median_slippage_bps=statistics.median(slippage) if slippage else None,
        median_latency_ms=statistics.median(latencies) if latencies else None,
        grade=NO_GRADE,
    )
    return _graded(card, decided)


def _slippages(item: _OrderFills) -> list[float]:
    reference = item.order.price
    if reference is None or reference <= 0:
        return []
    sign = -1 if item.order.side == Side.SELL.value else 1
    return [sign * float((fill.price - reference) / reference) * 1e4 for fill in item.fills]


def _graded(card: VenueScorecard, decided: int) -> VenueScorecard:
    if decided < MIN_ORDERS_FOR_GRADE:
        return card
    for rule in GRADE_RULES:
        if _meets(card, rule):
            return replace(card, grade=rule.grade)
    return replace(card, grade=LOWEST_GRADE)


def _meets(card: VenueScorecard, rule: GradeRule) -> bool:
    return (
        (card.fill_rate or 0.0) >= rule.min_fill_rate
        and (card.reject_rate or 0.0) <= rule.max_reject_rate
        and (card.median_slippage_bps or 0.0) <= rule.max_median_slippage_bps
        and (card.median_latency_ms or 0.0) <= rule.max_median_latency_ms
    )


def _markdown_row(venue: VenueScorecard) -> str:
    cells = (
        venue.venue,
        venue.grade,
        str(venue.orders),
        _percent(venue.fill_rate),
        str(venue.rejected),
        str(venue.canceled),
        _number(venue.median_slippage_bps),
        _number(venue.mean_slippage_bps),
        _number(venue.median_latency_ms),
    )
    return "| " + " | ".join(cells) + " |"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
