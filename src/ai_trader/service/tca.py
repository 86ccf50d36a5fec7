"""Transaction cost analysis: per venue, how often orders fill, how far fills land from
the price the decision was made at, and how long the venue takes.

Slippage is measured against the *decision price* — the last price the engine knew when
the order was submitted — in basis points, positive when the fill was worse for us (paid
more on a buy, got less on a sell). Fed from the engine's events (trading thread);
``scorecard()`` may be read from any thread.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from ai_trader.domain.enums import Side
from ai_trader.domain.events import (
    Event,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
)

RECENT = 1_000  # slippage and latency samples kept per venue


@dataclass(slots=True)
class _Pending:
    venue: str
    side: Side
    decision_price: Decimal
    submitted_at: float
    filled: bool = False


@dataclass(slots=True)
class _VenueStats:
    submitted: int = 0
    filled: int = 0
    rejected: int = 0
    canceled_unfilled: int = 0
    slippage_bps: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    latency_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))


@dataclass(frozen=True, slots=True)
class VenueScore:
    venue: str
    orders_submitted: int
    orders_filled: int
    orders_rejected: int
    orders_canceled_unfilled: int
    fill_rate: float | None
    mean_slippage_bps: float | None
    worst_slippage_bps: float | None
    median_fill_latency_ms: float | None


class TcaTracker:
    def __init__(
        self,
        venue: str,
        decision_price: Callable[[str], Decimal | None],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._venue = venue
        self._decision_price = decision_price
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._stats: dict[str, _VenueStats] = defaultdict(_VenueStats)

    def on_event(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, OrderSubmitted):
                self._submitted(event)
            elif isinstance(event, OrderFilled):
                self._filled(event)
            elif isinstance(event, OrderRejected):
                pending = self._pending.pop(event.order.client_order_id, None)
                if pending is not None:
                    self._stats[pending.venue].rejected += 1
            elif isinstance(event, OrderCanceled):
                pending = self._pending.pop(event.client_order_id, None)
                if pending is not None and not pending.filled:
                    self._stats[pending.venue].canceled_unfilled += 1

    def _submitted(self, event: OrderSubmitted) -> None:
        order = event.order
        price = self._decision_price(order.symbol)
        self._stats[self._venue].submitted += 1
        if price is not None and price > 0:
            self._pending[order.client_order_id] = _Pending(
                self._venue, order.side, price, self._monotonic()
            )

    def _filled(self, event: OrderFilled) -> None:
        fill = event.fill
        pending = self._pending.get(fill.client_order_id)
        if pending is None:
            return
        stats = self._stats[pending.venue]
        sign = 1 if pending.side is Side.BUY else -1
        slippage = float((fill.price - pending.decision_price) / pending.decision_price) * 1e4
        stats.slippage_bps.append(sign * slippage)
        if not pending.filled:
            pending.filled = True
            stats.filled += 1
            stats.latency_ms.append((self._monotonic() - pending.submitted_at) * 1e3)
        if event.remaining <= 0:
            del self._pending[fill.client_order_id]

    def scorecard(self) -> list[VenueScore]:
        with self._lock:
            return [_score(venue, stats) for venue, stats in sorted(self._stats.items())]


def _score(venue: str, stats: _VenueStats) -> VenueScore:
    slips = list(stats.slippage_bps)
    latencies = sorted(stats.latency_ms)
    decided = stats.filled + stats.rejected + stats.canceled_unfilled
    return VenueScore(
        venue=venue,
        orders_submitted=stats.submitted,
        orders_filled=stats.filled,
        orders_rejected=stats.rejected,
        orders_canceled_unfilled=stats.canceled_unfilled,
        fill_rate=stats.filled / decided if decided else None,
        mean_slippage_bps=sum(slips) / len(slips) if slips else None,
        worst_slippage_bps=max(slips) if slips else None,
        median_fill_latency_ms=latencies[len(latencies) // 2] if latencies else None,
    )
