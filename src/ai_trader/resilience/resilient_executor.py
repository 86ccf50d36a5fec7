"""``ResilientExecutor``: any ``Executor`` behind the rate gate and circuit breakers.

Every venue call first passes the breaker of its group, then the rate gate, then reaches
the inner executor:

    =================================  =========  ========
    method                             endpoint   breaker
    =================================  =========  ========
    submit                             order      orders
    cancel                             cancel     orders
    query_order, open_orders, fills,   query      queries
    order_state, fills_since,
    order_states
    positions, balances                account    queries
    =================================  =========  ========

An open breaker raises ``CircuitOpenError`` before anything is sent and before any rate
budget is spent. For ``submit`` the error is a ``SubmitRefusedError``: a
``CircuitOpenError`` that is also the core's ``OrderNotSentError``, so the engine closes
the journaled intent at once as rejected, "not sent: ...", instead of leaving it
``pending_submit`` for reconciliation to flag. A submit whose rate budget did not come
free in time is refused the same way (``SubmitThrottledError``). Any other failure of a
submit leaves its outcome unknown: the caller resolves it by client order id and never
resends. ``venue`` and ``connect`` pass straight through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from ai_trader.core.errors import OrderNotSentError
from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import VenueOrderState
from ai_trader.ports.executor import Executor, ReportHandler
from ai_trader.resilience.breaker import BreakerRegistry, CircuitOpenError
from ai_trader.resilience.rate_gate import RateGate, RateGateTimeoutError, UnknownProviderError

T = TypeVar("T")

ORDERS = "orders"
QUERIES = "queries"


class SubmitRefusedError(CircuitOpenError, OrderNotSentError):
    """An open breaker refused a submit: the order was not sent."""

    def __init__(self, refused: CircuitOpenError) -> None:
        OrderNotSentError.__init__(self, str(refused))
        self.breaker = refused.breaker
        self.retry_at = refused.retry_at


class SubmitThrottledError(RateGateTimeoutError, OrderNotSentError):
    """The rate gate gave up waiting for a submit's budget: the order was not sent."""


class ResilientExecutor:
    """Implements ``Executor`` by delegating to ``inner`` through breakers and the gate."""

    def __init__(
        self, inner: Executor, breakers: BreakerRegistry, gate: RateGate, provider: str
    ) -> None:
        if provider not in gate.providers:
            raise UnknownProviderError(provider, gate.providers)
        self._inner = inner
        self._breakers = breakers
        self._gate = gate
        self._provider = provider

    @property
    def inner(self) -> Executor:
        return self._inner

    @property
    def venue(self) -> str:
        return self._inner.venue

    def connect(self, handler: ReportHandler) -> None:
        self._inner.connect(handler)

    # -- the Executor port --------------------------------------------------------------

    def submit(self, order: Order) -> None:
        try:
            self._call(ORDERS, "order", self._inner.submit, order)
        except CircuitOpenError as exc:
            if isinstance(exc, OrderNotSentError):
                raise
            raise SubmitRefusedError(exc) from exc
        except RateGateTimeoutError as exc:
            if isinstance(exc, OrderNotSentError):
                raise
            raise SubmitThrottledError(str(exc)) from exc

    def cancel(self, client_order_id: ClientOrderId) -> None:
        self._call(ORDERS, "cancel", self._inner.cancel, client_order_id)

    def query_order(self, client_order_id: ClientOrderId) -> Order | None:
        return self._call(QUERIES, "query", self._inner.query_order, client_order_id)

    def open_orders(self) -> Sequence[Order]:
        return self._call(QUERIES, "query", self._inner.open_orders)

    def fills(self) -> Sequence[Fill]:
        return self._call(QUERIES, "query", self._inner.fills)

    def positions(self) -> Mapping[str, Decimal]:
        return self._call(QUERIES, "account", self._inner.positions)

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        return self._call(QUERIES, "query", self._inner.order_state, client_order_id)

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        return self._call(QUERIES, "query", self._inner.fills_since, ts_ns)

    def balances(self) -> Mapping[str, Decimal]:
        return self._call(QUERIES, "account", self._inner.balances)

    # -- beyond the port: delegated when the inner executor has it ---------------------------

    def order_states(self) -> list[VenueOrderState]:
        """Every order the venue knows (recovery and reconciliation ask for it)."""
        method = getattr(self._inner, "order_states", None)
        if method is None:
            raise NotImplementedError(f"{type(self._inner).__name__} has no order_states()")
        states: list[VenueOrderState] = self._call(QUERIES, "query", method)
        return states

    # -- internals ----------------------------------------------------------------------

    def _call(self, group: str, endpoint: str, fn: Callable[..., T], *args: object) -> T:
        def gated() -> T:
            self._gate.acquire(self._provider, endpoint)
            return fn(*args)

        return self._breakers.get(self._provider, group).call(gated)
