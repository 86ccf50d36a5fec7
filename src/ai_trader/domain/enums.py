"""Enumerations shared by the domain objects."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"


class OrderStatus(StrEnum):
    """Lifecycle of an order; the write-ahead journal records ``PENDING_SUBMIT`` first."""

    PENDING_SUBMIT = "pending_submit"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    DENIED = "denied"

    @property
    def is_open(self) -> bool:
        return self in (
            OrderStatus.PENDING_SUBMIT,
            OrderStatus.ACCEPTED,
            OrderStatus.PARTIALLY_FILLED,
        )


class LiquiditySide(StrEnum):
    MAKER = "maker"
    TAKER = "taker"


class SignalAction(StrEnum):
    """What a strategy wants: open/add to a long or short, or go flat."""

    ENTER_LONG = "enter_long"
    ENTER_SHORT = "enter_short"
    EXIT = "exit"


class Mode(StrEnum):
    """Trading modes of the kill switch (RSK-2)."""

    AUTO = "auto"
    MANUAL = "manual"
    PAPER = "paper"
    HALT = "halt"
