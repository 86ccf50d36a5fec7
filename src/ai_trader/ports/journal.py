"""Journal port: the durable write-ahead record of order intents and their outcomes."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ai_trader.domain.events import Event
from ai_trader.domain.orders import Order


@runtime_checkable
class Journal(Protocol):
    """``record_intent`` is committed before the order reaches the executor."""

    def record_intent(self, order: Order) -> None: ...

    def record_event(self, event: Event) -> None: ...
