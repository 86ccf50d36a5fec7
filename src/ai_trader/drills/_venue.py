"""The drill's view of the venue: ``InjectingVenue`` wraps the paper venue and fails calls
the way a venue outage does, as the scenario switches it (``FaultSwitch``).

    switch              reaches the venue?   the caller sees
    ==================  ===================  ==========================================
    ``disconnected``    no                   ``TransientVenueError`` ("connection lost")
    ``throttle(call)``  no (a 429)           ``VenueThrottledError`` (transient)
    ==================  ===================  ==========================================

Bars are the market, not calls: ``process_bar`` always reaches the venue. ``foreign_submit``
plays another client trading the same account: its reports never reach the engine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue
from ai_trader.core.errors import TransientVenueError
from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.bar import Bar
from ai_trader.domain.events import Event
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import VenueOrderState
from ai_trader.ports.executor import ReportHandler

T = TypeVar("T")

QUERY_METHODS = frozenset(
    {"query_order", "open_orders", "fills", "positions", "order_state", "fills_since"}
    | {"balances", "order_states"}
)


class VenueThrottledError(TransientVenueError):
    """The venue answered 429 Too Many Requests."""


@dataclass(slots=True)
class FaultSwitch:
    """What the venue does to calls now; kept across executor rebuilds."""

    disconnected: bool = False
    throttle: Callable[[str], bool] | None = None
    calls: int = 0
    refused: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.refused[kind] = self.refused.get(kind, 0) + 1


class InjectingVenue:
    """An ``Executor`` delegating to the paper venue, failing calls as ``switch`` says."""

    def __init__(self, inner: PersistentSimulatedVenue, switch: FaultSwitch) -> None:
        self._inner = inner
        self._switch = switch
        self._handler: ReportHandler | None = None
        self._dropping = 0
        inner.connect(self._report)

    @property
    def inner(self) -> PersistentSimulatedVenue:
        return self._inner

    @property
    def venue(self) -> str:
        return self._inner.venue

    def connect(self, handler: ReportHandler) -> None:
        self._handler = handler

    def submit(self, order: Order) -> None:
        self._call("submit", self._inner.submit, order)

    def cancel(self, client_order_id: ClientOrderId) -> None:
        self._call("cancel", self._inner.cancel, client_order_id)

    def query_order(self, client_order_id: ClientOrderId) -> Order | None:
        return self._call("query_order", self._inner.query_order, client_order_id)

    def open_orders(self) -> Sequence[Order]:
        return self._call("open_orders", self._inner.open_orders)

    def fills(self) -> Sequence[Fill]:
        return self._call("fills", self._inner.fills)

    def positions(self) -> Mapping[str, Decimal]:
        return self._call("positions", self._inner.positions)

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        return self._call("order_state", self._inner.order_state, client_order_id)

    def order_states(self) -> list[VenueOrderState]:
        return self._call("order_states", self._inner.order_states)

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        return self._call("fills_since", self._inner.fills_since, ts_ns)

    def balances(self) -> Mapping[str, Decimal]:
        return self._call("balances", self._inner.balances)

    # -- the market and the other client --------------------------------------------------

    def process_bar(self, bar: Bar) -> None:
        self._inner.process_bar(bar)

    def foreign_submit(self, order: Order) -> None:
        """Another client's order on the same account: straight to the venue, unreported."""
        with self._reports_dropped():
            self._inner.submit(order)

    # -- internals ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _reports_dropped(self) -> Iterator[None]:
        self._dropping += 1
        try:
            yield
        finally:
            self._dropping -= 1

    def _report(self, event: Event) -> None:
        if self._handler is not None and not self._dropping:
            self._handler(event)

    def _call(self, method: str, fn: Callable[..., T], *args: object) -> T:
        switch = self._switch
        switch.calls += 1
        if switch.disconnected:
            switch.count("disconnect")
            raise TransientVenueError(f"{self.venue}: {method} failed, connection lost")
        if switch.throttle is not None and switch.throttle(method):
            switch.count("rate_limited")
            raise VenueThrottledError(f"{self.venue}: {method} answered 429 Too Many Requests")
        return fn(*args)
