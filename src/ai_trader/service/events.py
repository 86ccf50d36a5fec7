"""Fan the engine's events out to websocket clients without ever blocking the engine.

The engine thread calls :meth:`EventHub.publish`; each subscriber is an asyncio queue on
the server's event loop, fed through ``call_soon_threadsafe``. A slow client whose queue is
full loses messages (counted), never the trading loop's time.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

QUEUE_SIZE = 1_000


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue[dict[str, Any]]
    loop: asyncio.AbstractEventLoop
    dropped: int = field(default=0)

    def offer(self, message: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped += 1


class EventHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: list[Subscription] = []

    def subscribe(self) -> Subscription:
        """Call from the event loop that will read the queue."""
        subscription = Subscription(asyncio.Queue(QUEUE_SIZE), asyncio.get_running_loop())
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    def publish(self, message: dict[str, Any]) -> None:
        """From any thread."""
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            try:
                subscription.loop.call_soon_threadsafe(subscription.offer, message)
            except RuntimeError:  # the loop is closed: the client is gone
                self.unsubscribe(subscription)
