"""Resume an engine after a restart from what recovery found (SPEC STO-4)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ai_trader.domain.fills import Fill
from ai_trader.engine.engine import TradingEngine
from ai_trader.portfolio.portfolio import Portfolio
from ai_trader.runtime.recovery import RecoveryReport


def rebuild_portfolio(starting_cash: Decimal, fills: Iterable[Fill]) -> Portfolio:
    """The portfolio the journal's fills build from the account's starting cash."""
    portfolio = Portfolio(starting_cash)
    for fill in fills:
        portfolio.apply_fill(fill)
    return portfolio


def restore_working_orders(engine: TradingEngine, recovery: RecoveryReport) -> None:
    """Put the orders still working at the venue back in the engine's order book, with what
    has filled of them, so their fills and cancels are recognised."""
    for working in recovery.open_orders:
        engine.orders.add(working.order)
        engine.orders.accepted(working.order, working.venue_order_id)
        for fill in working.fills:
            engine.orders.filled(fill, working.remaining)
