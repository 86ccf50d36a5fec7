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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ai_trader.adapters.sim.intercepted import InterceptedExecutor
from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue
from ai_trader.core.errors import TransientVenueError
from ai_trader.domain.bar import Bar
from ai_trader.domain.orders import Order

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


class InjectingVenue(InterceptedExecutor[PersistentSimulatedVenue]):
    """An ``Executor`` delegating to the paper venue, failing calls as ``switch`` says."""

    def __init__(self, inner: PersistentSimulatedVenue, switch: FaultSwitch) -> None:
        super().__init__(inner)
        self._switch = switch

    # -- the market and the other client --------------------------------------------------

    def process_bar(self, bar: Bar) -> None:
        self._inner.process_bar(bar)

    def foreign_submit(self, order: Order) -> None:
        """Another client's order on the same account: straight to the venue, unreported."""
        with self.reports_dropped():
            self._inner.submit(order)

    # -- internals ----------------------------------------------------------------------

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
