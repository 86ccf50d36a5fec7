"""Market data port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from ai_trader.domain.bar import Bar


@runtime_checkable
class MarketDataFeed(Protocol):
    """A time-ordered stream of bars for one or more symbols.

    Backtest feeds replay files as fast as the engine consumes them; live feeds block until
    the next bar closes. Either way the engine just iterates.
    """

    @property
    def symbols(self) -> tuple[str, ...]: ...

    def __iter__(self) -> Iterator[Bar]: ...
