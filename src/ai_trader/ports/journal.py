"""Journal port: the durable write-ahead record of order intents and their outcomes."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from ai_trader.domain.events import Event
from ai_trader.domain.orders import Order


@runtime_checkable
class Journal(Protocol):
    """``record_intent`` is committed before the order reaches the executor.

    ``batch()`` groups the events recorded inside it into one commit at its end: the
    engine wraps a synchronous venue call with it, so an acceptance and its fill cost one
    flush to disk instead of two. An intent is never batched."""

    def record_intent(self, order: Order) -> None: ...

    def record_event(self, event: Event) -> None: ...

    def batch(self) -> AbstractContextManager[None]: ...
