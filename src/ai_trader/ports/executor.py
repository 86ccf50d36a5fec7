"""Execution port: where orders go and reports come from."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol, runtime_checkable

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.bar import Bar
from ai_trader.domain.events import Event
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import VenueOrderState

ReportHandler = Callable[[Event], None]


@runtime_checkable
class Executor(Protocol):
    """A venue. Reports (accepted, filled, canceled, rejected) go to the connected handler.

    ``submit`` must be idempotent per client order id: submitting an id the venue already
    knows never creates a second order. When ``submit`` raises ``TransientVenueError`` the
    outcome is unknown: the caller asks ``order_state(client_order_id)`` and never resends.
    """

    @property
    def venue(self) -> str: ...

    def connect(self, handler: ReportHandler) -> None: ...

    def submit(self, order: Order) -> None: ...

    def cancel(self, client_order_id: ClientOrderId) -> None: ...

    def query_order(self, client_order_id: ClientOrderId) -> Order | None: ...

    def open_orders(self) -> Sequence[Order]: ...

    def fills(self) -> Sequence[Fill]: ...

    def positions(self) -> Mapping[str, Decimal]: ...

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        """The venue's view of one order, by client order id; None if it never got it."""
        ...

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        """The fills with ``ts_event >= ts_ns``, oldest first."""
        ...

    def balances(self) -> Mapping[str, Decimal]:
        """Asset → total held (free + in orders)."""
        ...


@runtime_checkable
class BarDrivenExecutor(Executor, Protocol):
    """A simulated venue that matches working orders against each new bar.

    ``working_orders`` (a plain attribute, read on every bar) and ``needs_every_bar``
    let the engine skip the call when there is nothing to match and the venue does not
    need to see every price.
    """

    working_orders: int
    needs_every_bar: bool

    def process_bar(self, bar: Bar) -> None: ...
