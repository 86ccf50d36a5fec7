"""The simulated venue as kernels: market orders, bracket exits, prices and slippage.

Mirrors ``adapters.sim.venue`` and ``adapters.sim.matching``: market orders fill at the
open; taker fills (market, stop) move ``slippage`` against the taker and are rounded to the
1e-8 tick; an all-in buy is sized at its fill price; bracket exits are placed at the
entry's fill, rounded to the tick, and checked against the rest of that bar without the gap
rule; the stop is checked before the take-profit; one cancels the other. The session sets
the maker and the taker fee to the same commission, so one fee rate serves both.
"""

from __future__ import annotations

import numpy as np

from ai_trader.fastpath._jit import kernel, outer_kernel
from ai_trader.fastpath._portfolio import TradeArray, book_fill
from ai_trader.fastpath._state import (
    LOTS_PER_UNIT,
    MAX_EXACT_LOTS,
    STATUS_TOO_LARGE,
    TICKS_PER_UNIT,
)

Prices = tuple[float, float, float]  # a bar's open, high, low


@kernel
def round_to_tick(price: float) -> float:
    """``Instrument.round_price``: nearest 1e-8, ties to even."""
    return float(np.rint(price * TICKS_PER_UNIT) / TICKS_PER_UNIT)


@kernel
def floor_to_lots(units: float, state: np.record) -> int:
    """``Instrument.floor_quantity`` as a lot count; 0 when nothing (or a negative) remains."""
    lots = units * LOTS_PER_UNIT
    if not lots >= 1.0:
        return 0
    if lots >= MAX_EXACT_LOTS:
        state.status = STATUS_TOO_LARGE
        return 0
    return int(lots)


@kernel
def taker_price(price: float, side: int, config: np.record) -> float:
    """A taker fill moves ``slippage`` against the taker, rounded to the tick (if any)."""
    slippage = config.slippage
    if slippage == 0.0:
        return price
    slipped = price * (1.0 + slippage if side > 0 else 1.0 - slippage)
    ticks = np.rint(price * TICKS_PER_UNIT)
    if config.slippage_scale == 0 or ticks / TICKS_PER_UNIT != price or ticks >= MAX_EXACT_LOTS:
        return round_to_tick(slipped)
    factor = config.slippage_buy if side > 0 else config.slippage_sell
    return round_on_grid(int(ticks), factor, config.slippage_scale, slipped)


@kernel
def round_on_grid(ticks: int, factor: int, scale: int, approximate: float) -> float:
    """``ticks × factor / scale`` rounded to a whole tick, ties to even, exactly.

    A price on the tick grid times a short decimal factor often lands exactly half-way
    between two ticks (a 10 % slip of a stop at 1.10114945 is 0.991034505), where the float
    product falls either side. The remainder of the exact product is computed in integers
    (both factors taken modulo ``scale`` first, so it fits in int64); the float product
    only supplies the quotient, which it has to within far less than half a tick.
    """
    remainder = ((ticks % scale) * (factor % scale)) % scale
    quotient = int(np.rint(approximate * TICKS_PER_UNIT - remainder / scale))
    twice = 2 * remainder
    if twice > scale or (twice == scale and quotient % 2 == 1):
        quotient += 1
    return quotient / TICKS_PER_UNIT


@kernel
def stop_fill_price(side: int, stop: float, bar: Prices, check_open: bool) -> float:
    """``trigger_price`` for a stop; -1 when the bar misses it."""
    open_, high, low = bar
    if side > 0:
        if check_open and open_ >= stop:
            return open_
        return stop if high >= stop else -1.0
    if check_open and open_ <= stop:
        return open_
    return stop if low <= stop else -1.0


@kernel
def limit_fill_price(side: int, limit: float, bar: Prices, check_open: bool) -> float:
    """``trigger_price`` for a limit; -1 when the bar misses it."""
    open_, high, low = bar
    if side > 0:
        if check_open and open_ <= limit:
            return open_
        return limit if low <= limit else -1.0
    if check_open and open_ >= limit:
        return open_
    return limit if high >= limit else -1.0


@kernel
def bracket_touched(state: np.record, high: float, low: float) -> bool:
    """Could a bracket exit fill on this bar? (An open beyond a price lies inside the range.)"""
    long: bool = state.trade_direction > 0
    stop: float = state.stop_price
    take: float = state.take_price
    if state.stop_on and (low <= stop if long else high >= stop):
        return True
    return bool(state.take_on) and (high >= take if long else low <= take)


@outer_kernel
def match_bracket(
    state: np.record, config: np.record, trades: TradeArray, bar: int, prices: Prices
) -> None:
    """Match the bracket exits against one bar: the stop first, then the take-profit."""
    side = -state.trade_direction  # exits trade against the position
    check_open = state.legs_check_open
    state.legs_check_open = True
    price = -1.0
    if state.stop_on:
        price = stop_fill_price(side, state.stop_price, prices, check_open)
        if price > 0.0:
            price = taker_price(price, side, config)
    if price <= 0.0 and state.take_on:
        price = limit_fill_price(side, state.take_price, prices, check_open)  # maker: no slip
    if price > 0.0:
        state.stop_on = False
        state.take_on = False  # one-cancels-other (or the only exit filled)
        book_fill(state, trades, bar, side, state.trade_lots, price, config.fee)


@outer_kernel
def open_bracket(state: np.record, side: int, price: float) -> None:
    """Place the stop and take-profit exits, rounded to the tick; a price <= 0 is skipped."""
    if state.entry_stop > 0.0:
        state.stop_price = round_to_tick(price - side * state.entry_stop)
        state.stop_on = state.stop_price > 0.0
    if state.entry_take > 0.0:
        state.take_price = round_to_tick(price + side * state.entry_take)
        state.take_on = state.take_price > 0.0
    state.legs_check_open = False  # placed after this bar's open


@outer_kernel
def fill_exit(
    state: np.record, config: np.record, trades: TradeArray, bar: int, open_: float
) -> None:
    """The working reduce-only market exit fills at the open, at most the open position."""
    side = state.exit_side
    state.exit_side = 0
    reducible = -state.position if side > 0 else state.position
    lots = min(state.exit_lots, reducible)
    if lots <= 0:
        return  # nothing left to reduce: the venue cancels it
    book_fill(state, trades, bar, side, lots, taker_price(open_, side, config), config.fee)


@outer_kernel
def fill_entry(
    state: np.record, config: np.record, trades: TradeArray, bar: int, open_: float
) -> None:
    """The working market entry fills at the open; an all-in buy is sized at that price."""
    side = state.entry_side
    state.entry_side = 0
    price = taker_price(open_, side, config)
    lots = state.entry_lots
    if state.entry_quote > 0.0:
        lots = floor_to_lots(state.entry_quote / (price * (1.0 + config.fee)), state)
        if lots <= 0:
            return  # rejected: the cash buys less than one lot
    book_fill(state, trades, bar, side, lots, price, config.fee)
    state.entries += 1
    if state.entry_stop > 0.0 or state.entry_take > 0.0:
        open_bracket(state, side, price)


@outer_kernel
def match_orders(
    state: np.record, config: np.record, trades: TradeArray, bar: int, prices: Prices
) -> None:
    """``SimulatedVenue.process_bar``, oldest order first: bracket exits placed on earlier
    bars, the market exit and entry sent on the previous bar (at this open), then the exits
    that entry placed, against the rest of this bar."""
    if (state.stop_on or state.take_on) and state.legs_check_open:
        match_bracket(state, config, trades, bar, prices)
    if state.exit_side != 0:
        fill_exit(state, config, trades, bar, prices[0])
    if state.entry_side != 0:
        fill_entry(state, config, trades, bar, prices[0])
        if state.stop_on or state.take_on:
            match_bracket(state, config, trades, bar, prices)
