"""Layer 2: immutable domain objects — bars, instruments, orders, fills, positions,
signals, commands and events. Pure: no I/O."""

from ai_trader.domain.bar import Bar, BarSeries
from ai_trader.domain.commands import CancelOrder, Command, SubmitOrder
from ai_trader.domain.enums import LiquiditySide, Mode, OrderStatus, OrderType, Side, SignalAction
from ai_trader.domain.events import (
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    SignalGenerated,
    TradingHalted,
    TradingResumed,
)
from ai_trader.domain.fills import Fill
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.orders import Bracket, Order
from ai_trader.domain.positions import Position
from ai_trader.domain.signals import Signal

__all__ = [
    "Bar",
    "BarSeries",
    "Bracket",
    "CancelOrder",
    "Command",
    "Event",
    "Fill",
    "Instrument",
    "LiquiditySide",
    "Mode",
    "Order",
    "OrderAccepted",
    "OrderCanceled",
    "OrderDenied",
    "OrderFilled",
    "OrderRejected",
    "OrderStatus",
    "OrderSubmitted",
    "OrderType",
    "Position",
    "Side",
    "Signal",
    "SignalAction",
    "SignalGenerated",
    "SubmitOrder",
    "TradingHalted",
    "TradingResumed",
]
