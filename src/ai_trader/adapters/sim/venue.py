"""The simulated venue (ENG-3), shared by backtests and paper trading.

It keeps its own orders, fills and positions, independent of the engine's books, exactly
like a real venue does; reconciliation compares the two.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal

from ai_trader.adapters.sim.book import WorkingOrder
from ai_trader.adapters.sim.config import MarketFill, SimulatedVenueConfig
from ai_trader.adapters.sim.matching import trigger_price
from ai_trader.core.clock import Clock
from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.core.money import ONE, ZERO, to_decimal
from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import LiquiditySide, OrderType, Side
from ai_trader.domain.events import (
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
)
from ai_trader.domain.fills import Fill
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import (
    VenueOrderState,
    base_and_quote,
    next_state,
    report_client_order_id,
)
from ai_trader.ports.executor import ReportHandler

BPS = Decimal("0.0001")


class SimulatedVenue:
    def __init__(
        self,
        config: SimulatedVenueConfig,
        clock: Clock,
        instruments: Mapping[str, Instrument] | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._instruments = dict(instruments or {})
        self._only_listed = bool(instruments)  # with a map, other symbols are rejected
        self._maker_fee = to_decimal(config.maker_fee)
        self._taker_fee = to_decimal(config.taker_fee)
        self._slippage = to_decimal(config.slippage_bps) * BPS
        self._handler: ReportHandler | None = None
        self._books: dict[str, dict[ClientOrderId, WorkingOrder]] = {}
        self._known: dict[ClientOrderId, Order] = {}
        self._fills: list[Fill] = []
        self._states: dict[ClientOrderId, VenueOrderState] = {}
        self._positions: dict[str, Decimal] = {}
        self._last_bar: dict[str, Bar] = {}
        self._volume_left: dict[str, Decimal] = {}
        self._volume_bar: dict[str, int] = {}
        self._sequence = 0
        self.working_orders = 0
        # paper fills market orders at the last price, so the venue must see every bar
        self.needs_every_bar = config.market_fill is MarketFill.LAST_PRICE

    # -- Executor port ------------------------------------------------------------------

    @property
    def venue(self) -> str:
        return self.config.venue

    def connect(self, handler: ReportHandler) -> None:
        self._handler = handler

    def submit(self, order: Order) -> None:
        if order.client_order_id in self._known:
            return  # idempotent: a resend of a known id never creates a second order
        self._known[order.client_order_id] = order
        reason = self._rejection_reason(order)
        if reason:
            self._emit(OrderRejected(order, reason, self._clock.timestamp_ns()))
            return
        working = self._accept(order, check_open=True)
        last_bar = self._last_bar.get(order.symbol)
        if (
            order.order_type is OrderType.MARKET
            and self.config.market_fill is MarketFill.LAST_PRICE
            and last_bar is not None
        ):
            self._execute(working, last_bar.close, last_bar, LiquiditySide.TAKER)

    def cancel(self, client_order_id: ClientOrderId) -> None:
        order = self._known.get(client_order_id)
        if order is not None:
            self._remove(order, "canceled on request")

    def query_order(self, client_order_id: ClientOrderId) -> Order | None:
        return self._known.get(client_order_id)

    def open_orders(self) -> Sequence[Order]:
        return [w.order for book in self._books.values() for w in book.values()]

    def fills(self) -> Sequence[Fill]:
        return tuple(self._fills)

    def positions(self) -> Mapping[str, Decimal]:
        return {symbol: qty for symbol, qty in self._positions.items() if qty != 0}

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        return self._states.get(client_order_id)

    def order_states(self) -> list[VenueOrderState]:
        return list(self._states.values())

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        return tuple(fill for fill in self._fills if fill.ts_event >= ts_ns)

    def balances(self) -> Mapping[str, Decimal]:
        """The starting balances plus every fill: the base asset moves by the signed
        quantity, the quote asset by the opposite notional and pays the fee."""
        balances = {
            asset: to_decimal(amount) for asset, amount in self.config.starting_balances.items()
        }
        for fill in self._fills:
            base, quote = base_and_quote(fill.symbol)
            balances[base] = balances.get(base, ZERO) + fill.signed_quantity
            balances[quote] = (
                balances.get(quote, ZERO) - fill.signed_quantity * fill.price - fill.fee
            )
        return balances

    # -- BarDrivenExecutor --------------------------------------------------------------

    def process_bar(self, bar: Bar) -> None:
        """Match the working orders of ``bar.symbol`` against it, oldest first."""
        self._last_bar[bar.symbol] = bar
        if not self.working_orders:
            return
        book = self._books.get(bar.symbol)
        if not book:
            return
        pending = list(book.values())
        while pending:
            for working in pending:
                if working.order.client_order_id in book:
                    self._match(working, bar)
            # exits created by fills on this bar trade against the rest of this bar
            pending = [w for w in book.values() if not w.check_open and not w.matched_on(bar)]
        for working in book.values():
            working.check_open = True

    # -- matching -----------------------------------------------------------------------

    def _match(self, working: WorkingOrder, bar: Bar) -> None:
        working.last_matched_ts = bar.ts_event
        order = working.order
        if order.order_type is OrderType.MARKET:
            self._execute(working, bar.open, bar, LiquiditySide.TAKER)
            return
        price = trigger_price(
            order.order_type, order.side, working.price_float, bar, working.check_open
        )
        if price is not None:
            liquidity = (
                LiquiditySide.MAKER if order.order_type is OrderType.LIMIT else LiquiditySide.TAKER
            )
            self._execute(working, price, bar, liquidity)

    def _execute(
        self, working: WorkingOrder, raw_price: float, bar: Bar, liquidity: LiquiditySide
    ) -> None:
        order = working.order
        instrument = self._instrument(order.symbol)
        price = to_decimal(raw_price)
        if liquidity is LiquiditySide.TAKER and self._slippage:
            adverse = ONE + self._slippage if order.side is Side.BUY else ONE - self._slippage
            price = instrument.round_price(price * adverse)
        fee_rate = self._taker_fee if liquidity is LiquiditySide.TAKER else self._maker_fee
        if working.remaining is None:  # quote-sized market buy: fix the size at this price
            assert order.quote_quantity is not None
            working.remaining = instrument.floor_quantity(
                order.quote_quantity / (price * (ONE + fee_rate))
            )
            if working.remaining <= 0 or working.remaining < instrument.min_quantity:
                self._reject_working(order, "quote quantity buys less than the minimum size")
                return
        quantity = self._fillable_quantity(working, instrument, bar)
        if quantity is None:
            return
        if quantity <= 0:
            return  # volume budget of this bar used up: keep working on the next bar
        fee = instrument.round_quote(price * quantity * fee_rate)
        self._record_fill(working, quantity, price, fee, liquidity)

    def _fillable_quantity(
        self, working: WorkingOrder, instrument: Instrument, bar: Bar
    ) -> Decimal | None:
        order = working.order
        assert working.remaining is not None
        quantity = working.remaining
        if order.reduce_only:
            position = self._positions.get(order.symbol, ZERO)
            reducible = max(-position, ZERO) if order.side is Side.BUY else max(position, ZERO)
            if reducible <= 0:
                self._remove(order, "reduce-only order with no position left to reduce")
                return None
            quantity = min(quantity, reducible)
        share = self.config.max_volume_share
        if share is not None:
            left = self._volume_budget(order.symbol, bar, share)
            quantity = instrument.floor_quantity(min(quantity, left))
            self._volume_left[order.symbol] = left - quantity
        return quantity

    def _volume_budget(self, symbol: str, bar: Bar, share: float) -> Decimal:
        """What is left of ``share`` of this bar's volume, shared by all orders on it."""
        if self._volume_bar.get(symbol) != bar.ts_event:
            self._volume_bar[symbol] = bar.ts_event
            self._volume_left[symbol] = to_decimal(bar.volume) * to_decimal(share)
        return self._volume_left[symbol]

    def _record_fill(
        self,
        working: WorkingOrder,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
        liquidity: LiquiditySide,
    ) -> None:
        order = working.order
        self._sequence += 1
        fill = Fill(
            client_order_id=order.client_order_id,
            venue_order_id=working.venue_order_id,
            trade_id=TradeId(f"{self.venue}-T{self._sequence}"),
            venue=self.venue,
            symbol=order.symbol,
            side=order.side,
            quantity=quantity,
            price=price,
            fee=fee,
            liquidity=liquidity,
            ts_event=self._clock.timestamp_ns(),
        )
        assert working.remaining is not None
        working.remaining -= quantity
        self._fills.append(fill)
        self._positions[order.symbol] = (
            self._positions.get(order.symbol, ZERO) + fill.signed_quantity
        )
        if working.remaining <= 0:
            self._drop(order)
        self._emit(OrderFilled(fill, working.remaining, fill.ts_event))
        if order.oco_id is not None:
            self._shrink_sibling(order.oco_id, quantity, working.remaining)
        if order.bracket is not None:
            self._open_bracket(order, fill)
        if self._positions[order.symbol] == 0:
            self._cancel_reduce_only(order.symbol)

    def _cancel_reduce_only(self, symbol: str) -> None:
        """Nothing is left to reduce: a leftover exit must not open a new position later."""
        for working in list(self._books.get(symbol, {}).values()):
            if working.order.reduce_only:
                self._remove(working.order, "reduce-only order canceled: position closed")

    # -- brackets -----------------------------------------------------------------------

    def _open_bracket(self, parent: Order, fill: Fill) -> None:
        bracket = parent.bracket
        assert bracket is not None
        instrument = self._instrument(parent.symbol)
        direction = parent.side.sign
        exit_side = parent.side.opposite
        stop_id, take_id = self._bracket_ids(parent.client_order_id)
        legs = []
        if bracket.stop_distance is not None:
            stop_price = instrument.round_price(fill.price - direction * bracket.stop_distance)
            legs.append((stop_id, OrderType.STOP, stop_price, take_id))
        if bracket.take_profit_distance is not None:
            take_price = instrument.round_price(
                fill.price + direction * bracket.take_profit_distance
            )
            legs.append((take_id, OrderType.LIMIT, take_price, stop_id))
        both = len(legs) == 2
        for leg_id, order_type, price, sibling in legs:
            existing = self._working(leg_id)
            if existing is not None:  # a further partial fill of the parent: grow the exit
                grown = dataclasses.replace(
                    existing.order, quantity=existing.order.quantity + fill.quantity
                )
                existing.order = grown
                existing.remaining = (existing.remaining or ZERO) + fill.quantity
                self._known[leg_id] = grown
                self._emit(OrderAccepted(grown, existing.venue_order_id, fill.ts_event))
                continue
            if price <= 0:
                continue  # a stop below zero can never trigger
            child = Order(
                client_order_id=leg_id,
                symbol=parent.symbol,
                side=exit_side,
                order_type=order_type,
                quantity=fill.quantity,
                ts_init=fill.ts_event,
                price=price,
                reduce_only=True,
                parent_id=parent.client_order_id,
                oco_id=sibling if both else None,
                tag=parent.tag,
            )
            self._known[leg_id] = child
            self._accept(child, check_open=False)

    def _bracket_ids(self, parent_id: ClientOrderId) -> tuple[ClientOrderId, ClientOrderId]:
        """``<id>.sl``/``<id>.tp``; if those already closed and the entry fills further,
        ``<id>.sl.2``/``<id>.tp.2`` and so on: an id is never reused for a new order."""
        generation = 1
        while True:
            suffix = "" if generation == 1 else f".{generation}"
            ids = (
                ClientOrderId(f"{parent_id}.sl{suffix}"),
                ClientOrderId(f"{parent_id}.tp{suffix}"),
            )
            known = [leg for leg in ids if leg in self._known]
            if not known or any(self._working(leg) is not None for leg in known):
                return ids
            generation += 1

    def _shrink_sibling(
        self, sibling_id: ClientOrderId, filled: Decimal, remaining: Decimal
    ) -> None:
        sibling = self._working(sibling_id)
        if sibling is None:
            return
        if remaining <= 0:
            self._remove(sibling.order, "one-cancels-other: sibling filled")
        elif sibling.remaining is not None:
            sibling.remaining -= filled

    # -- book keeping -------------------------------------------------------------------

    def _accept(self, order: Order, check_open: bool) -> WorkingOrder:
        self._sequence += 1
        working = WorkingOrder.create(order, VenueOrderId(f"{self.venue}-{self._sequence}"))
        working.check_open = check_open
        self._books.setdefault(order.symbol, {})[order.client_order_id] = working
        self.working_orders += 1
        self._emit(OrderAccepted(order, working.venue_order_id, self._clock.timestamp_ns()))
        return working

    def _working(self, client_order_id: ClientOrderId) -> WorkingOrder | None:
        order = self._known.get(client_order_id)
        if order is None:
            return None
        return self._books.get(order.symbol, {}).get(client_order_id)

    def _drop(self, order: Order) -> bool:
        book = self._books.get(order.symbol)
        if book is None or book.pop(order.client_order_id, None) is None:
            return False
        self.working_orders -= 1
        return True

    def _remove(self, order: Order, reason: str) -> None:
        if self._drop(order):
            self._emit(OrderCanceled(order.client_order_id, reason, self._clock.timestamp_ns()))

    def _reject_working(self, order: Order, reason: str) -> None:
        if self._drop(order):
            self._emit(OrderRejected(order, reason, self._clock.timestamp_ns()))

    def _rejection_reason(self, order: Order) -> str:
        if self._only_listed and order.symbol not in self._instruments:
            return f"unknown symbol {order.symbol!r}"
        instrument = self._instrument(order.symbol)
        if order.quote_quantity is None and order.quantity < instrument.min_quantity:
            return f"quantity {order.quantity} below minimum {instrument.min_quantity}"
        return ""

    def _instrument(self, symbol: str) -> Instrument:
        instrument = self._instruments.get(symbol)
        if instrument is None:
            instrument = self._instruments[symbol] = Instrument(symbol)
        return instrument

    def _emit(self, event: Event) -> None:
        cid = report_client_order_id(event)
        if cid is not None:
            state = next_state(self._states.get(cid), event)
            if state is not None:
                self._states[cid] = state
        if self._handler is not None:
            self._handler(event)
