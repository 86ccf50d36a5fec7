"""An ``Executor`` that passes every port call to ``inner`` through one hook, ``_call``,
and forwards ``inner``'s reports unless they are being dropped. Fault injection (the test
kit's ``FaultyVenue``, the chaos drill's venue) overrides ``_call`` and nothing else of the
port."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Generic, TypeVar

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.events import Event
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import VenueOrderState
from ai_trader.ports.executor import Executor, ReportHandler

T = TypeVar("T")
InnerT = TypeVar("InnerT", bound=Executor)


class InterceptedExecutor(Generic[InnerT]):
    def __init__(self, inner: InnerT) -> None:
        self._inner = inner
        self._handler: ReportHandler | None = None
        self._dropping = 0
        inner.connect(self._report)

    @property
    def inner(self) -> InnerT:
        return self._inner

    @contextlib.contextmanager
    def reports_dropped(self) -> Iterator[None]:
        """Reports the venue sends inside the block never reach the engine."""
        self._dropping += 1
        try:
            yield
        finally:
            self._dropping -= 1

    # -- the Executor port --------------------------------------------------------------

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

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        return self._call("fills_since", self._inner.fills_since, ts_ns)

    def balances(self) -> Mapping[str, Decimal]:
        return self._call("balances", self._inner.balances)

    def order_states(self) -> list[VenueOrderState]:
        """Every order the venue knows, when ``inner`` can tell (recovery asks for it)."""
        method: Callable[[], list[VenueOrderState]] | None
        method = getattr(self._inner, "order_states", None)
        if method is None:
            raise NotImplementedError(f"{type(self._inner).__name__} has no order_states()")
        return self._call("order_states", method)

    # -- internals ----------------------------------------------------------------------

    def _report(self, event: Event) -> None:
        if self._handler is not None and not self._dropping:
            self._handler(event)

    def _call(self, method: str, fn: Callable[..., T], *args: object) -> T:
        """Every port call goes through here; subclasses inject their faults."""
        return fn(*args)
