"""Recording fakes of the ports and of the strategy context (no mocks, no patching)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import OrderStatus, SignalAction
from ai_trader.domain.events import Event
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.domain.signals import Signal
from ai_trader.domain.venue_state import VenueOrderState
from ai_trader.ports.executor import ReportHandler

EventT = TypeVar("EventT")


class ListFeed:
    """A ``MarketDataFeed`` over bars already in memory, replayed in the given order."""

    def __init__(self, bars: Iterable[Bar]) -> None:
        self._bars = list(bars)
        self._symbols = tuple(dict.fromkeys(b.symbol for b in self._bars))

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    def __iter__(self) -> Iterator[Bar]:
        return iter(self._bars)

    def __len__(self) -> int:
        return len(self._bars)


class EventRecorder:
    """An engine listener that keeps every event it is given."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of_type(self, kind: type[EventT]) -> list[EventT]:
        return [e for e in self.events if isinstance(e, kind)]


class RecordingJournal:
    """A ``Journal`` that remembers intents and events; ``log`` may be shared with a
    ``RecordingExecutor`` to check the order of calls across both."""

    def __init__(self, log: list[str] | None = None) -> None:
        self.log: list[str] = log if log is not None else []
        self.intents: list[Order] = []
        self.events: list[Event] = []

    def record_intent(self, order: Order) -> None:
        self.log.append(f"journal.record_intent {order.client_order_id}")
        self.intents.append(order)

    def record_event(self, event: Event) -> None:
        self.log.append(f"journal.record_event {type(event).__name__}")
        self.events.append(event)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        self.log.append("journal.batch begin")
        yield
        self.log.append("journal.batch commit")


class RecordingExecutor:
    """An ``Executor`` that only records what it is asked; ``report`` plays the venue."""

    def __init__(self, log: list[str] | None = None, venue: str = "FAKE") -> None:
        self.log: list[str] = log if log is not None else []
        self.submitted: list[Order] = []
        self.canceled: list[ClientOrderId] = []
        self._venue = venue
        self._handler: ReportHandler | None = None

    @property
    def venue(self) -> str:
        return self._venue

    def connect(self, handler: ReportHandler) -> None:
        self._handler = handler

    def report(self, event: Event) -> None:
        """Send ``event`` to the connected engine, as a venue would."""
        if self._handler is None:
            raise RuntimeError("RecordingExecutor is not connected")
        self._handler(event)

    def submit(self, order: Order) -> None:
        self.log.append(f"executor.submit {order.client_order_id}")
        self.submitted.append(order)

    def cancel(self, client_order_id: ClientOrderId) -> None:
        self.log.append(f"executor.cancel {client_order_id}")
        self.canceled.append(client_order_id)

    def query_order(self, client_order_id: ClientOrderId) -> Order | None:
        return next((o for o in self.submitted if o.client_order_id == client_order_id), None)

    def open_orders(self) -> Sequence[Order]:
        return list(self.submitted)

    def fills(self) -> Sequence[Fill]:
        return ()

    def positions(self) -> Mapping[str, Decimal]:
        return {}

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        """A submitted order reads as accepted (the fake venue never fills on its own)."""
        order = self.query_order(client_order_id)
        if order is None:
            return None
        status = OrderStatus.CANCELED if client_order_id in self.canceled else OrderStatus.ACCEPTED
        return VenueOrderState(order, None, status, order.quantity)

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        return ()

    def balances(self) -> Mapping[str, Decimal]:
        return {}


class FakeStrategyContext:
    """A ``StrategyContext`` for driving one strategy by hand.

    With ``instant_fills`` every signal moves the position at once (enter long → +1,
    enter short → -1, exit → 0), so a strategy sees the position it asked for on the
    next bar.
    """

    def __init__(self, *, instant_fills: bool = True) -> None:
        self.instant_fills = instant_fills
        self.positions: dict[str, float] = {}
        self.working_entries: set[str] = set()
        self.signals: list[Signal] = []

    def position_quantity(self, symbol: str) -> float:
        return self.positions.get(symbol, 0.0)

    def has_working_entry(self, symbol: str) -> bool:
        return symbol in self.working_entries

    def emit(self, signal: Signal) -> None:
        self.signals.append(signal)
        if self.instant_fills:
            target = {
                SignalAction.ENTER_LONG: 1.0,
                SignalAction.ENTER_SHORT: -1.0,
                SignalAction.EXIT: 0.0,
            }
            self.positions[signal.symbol] = target[signal.action]
