"""``CcxtExecutor``: the ``Executor`` port over a synchronous ccxt exchange (SPEC EXE-2).

* Our client order id travels in ccxt's unified ``clientOrderId`` (Binance:
  ``newClientOrderId``); fetch and cancel name it too (Binance: ``origClientOrderId``), so an
  order can always be found by the id the engine journaled before sending it.
* Quantities are rounded DOWN to the market's lot step; below the minimum size (or minimum
  notional) the order is rejected here, with an ``OrderRejected`` event, and never sent.
* After ``create_order``: ``OrderAccepted``, then ``OrderFilled`` for each trade of the order.
* ``ccxt.NetworkError`` (timeouts included) raises ``TransientVenueError``: the outcome is
  unknown, the caller asks ``order_state(client_order_id)`` and never resends. A venue
  that already knows the client id (Binance ``-2010 Duplicate order sent.``) is treated as
  the same order: submit stays idempotent across restarts.
* ``dry_run=True``: orders are validated and logged (``DRY RUN: would send ...``), never
  sent; each is reported accepted with venue order id ``DRYRUN-<n>`` and never fills, so
  nothing can be mistaken for a trade.
* Futures (ccxt contract markets, e.g. ``BTC/USDT:USDT``): positions are the exchange's
  signed positions (``fetch_positions``: long +, short −, in base units), balances are the
  futures wallet, a ``reduce_only`` order carries ccxt's ``reduceOnly``, and a sell with
  nothing held opens a short. Leverage and margin mode are whatever the account has set.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from typing import Any

import ccxt

from ai_trader.adapters.ccxt.constants import (
    DRY_RUN_PREFIX,
    DUPLICATE_ORDER_MESSAGES,
    NANOS_PER_MILLI,
    ORDER_REFUSAL_MESSAGES,
    REDUCE_ONLY_PARAM,
    client_id_query_param,
)
from ai_trader.adapters.ccxt.mapping import (
    MarketRules,
    fill_from_trade,
    in_base_units,
    order_from_raw,
    refusal_reason,
    rules_from_market,
    signed_position,
    state_from_raw,
)
from ai_trader.core.clock import Clock
from ai_trader.core.errors import TransientVenueError, VenueRejectedError
from ai_trader.core.ids import ClientOrderId, VenueOrderId
from ai_trader.core.money import ZERO, to_decimal
from ai_trader.domain.enums import OrderStatus, OrderType
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
from ai_trader.domain.venue_state import VenueOrderState
from ai_trader.ports.executor import ReportHandler

logger = logging.getLogger(__name__)

DRY_RUN_REASON = "dry run: never sent"
_REJECTIONS = (ccxt.InsufficientFunds, ccxt.InvalidOrder, ccxt.BadRequest, ccxt.BadSymbol)


class CcxtExecutor:
    """A live venue through ccxt. ``symbols`` are the markets whose open orders, fills and
    positions are read (the symbols of submitted orders are added as they come)."""

    def __init__(
        self,
        exchange: ccxt.Exchange,
        *,
        venue: str,
        clock: Clock,
        dry_run: bool,
        symbols: Sequence[str] = (),
    ) -> None:
        self._exchange = exchange
        self._venue = venue
        self._clock = clock
        self.dry_run = dry_run
        self._client_param = client_id_query_param(str(exchange.id))
        self._handler: ReportHandler | None = None
        self._rules: dict[str, MarketRules] | None = None
        self._symbols: dict[str, None] = dict.fromkeys(symbols)
        self._orders: dict[ClientOrderId, Order] = {}
        self._venue_ids: dict[ClientOrderId, VenueOrderId] = {}
        self._client_ids: dict[VenueOrderId, ClientOrderId] = {}
        self._local_states: dict[ClientOrderId, VenueOrderState] = {}  # rejected here, dry run
        self._filled: dict[ClientOrderId, Decimal] = {}
        self._reported_trades: set[str] = set()
        self._dry_run_sequence = 0

    # -- Executor port ------------------------------------------------------------------

    @property
    def venue(self) -> str:
        return self._venue

    def connect(self, handler: ReportHandler) -> None:
        self._handler = handler

    def instrument(self, symbol: str) -> Instrument | None:
        """The venue's rules for ``symbol`` (tick, lot step, minimum size); None if unlisted."""
        rules = self._market_rules(symbol)
        return None if rules is None else rules.instrument

    def submit(self, order: Order) -> None:
        cid = order.client_order_id
        if cid in self._orders:
            return  # idempotent: a resend of a known id never creates a second order
        self._orders[cid] = order
        self._symbols.setdefault(order.symbol)
        rules = self._market_rules(order.symbol)
        if rules is None:
            self._reject(order, f"unknown symbol {order.symbol!r} at {self._venue}")
            return
        quantity = rules.instrument.floor_quantity(order.quantity)
        reason = refusal_reason(order, rules, quantity)
        if reason:
            self._reject(order, reason)
        elif self.dry_run:
            self._pretend(order, quantity)
        else:
            self._send(order, quantity)

    def cancel(self, client_order_id: ClientOrderId) -> None:
        local = self._local_states.get(client_order_id)
        if local is not None:
            if local.status.is_open:  # a dry-run order: nothing to send
                self._local_states[client_order_id] = replace(
                    local, status=OrderStatus.CANCELED, reason="canceled on request"
                )
                self._emit(OrderCanceled(client_order_id, "canceled on request", self._now()))
            return
        state = self.order_state(client_order_id)
        if state is None or not state.status.is_open:
            return
        with self._venue_call(f"cancel order {client_order_id}"):
            try:
                self._exchange.cancel_order(
                    state.venue_order_id,
                    state.order.symbol,
                    {self._client_param: client_order_id},
                )
            except ccxt.OrderNotFound:  # it closed meanwhile: report what happened to it
                self.poll_order(client_order_id)
                return
        self._report_trades(state.order, state.venue_order_id)
        self._emit(OrderCanceled(client_order_id, "canceled on request", self._now()))

    def query_order(self, client_order_id: ClientOrderId) -> Order | None:
        state = self.order_state(client_order_id)
        return None if state is None else state.order

    def local_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        """An order decided here without the venue (dry run, refused before sending)."""
        return self._local_states.get(client_order_id)

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        local = self._local_states.get(client_order_id)
        if local is not None:
            return local
        order = self._orders.get(client_order_id)
        symbols = [order.symbol] if order is not None else list(self._symbols)
        for symbol in symbols:
            with self._venue_call(f"fetch order {client_order_id}"):
                try:
                    raw = self._exchange.fetch_order(
                        self._venue_ids.get(client_order_id),
                        symbol,
                        {self._client_param: client_order_id},
                    )
                except ccxt.OrderNotFound:
                    continue
            state = state_from_raw(raw, order or self._order_of(raw))
            self._remember(client_order_id, state.venue_order_id)
            return state
        return None

    def open_orders(self) -> Sequence[Order]:
        orders = [s.order for s in self._local_states.values() if s.status.is_open]
        for symbol in list(self._symbols):
            with self._venue_call(f"fetch open orders of {symbol}"):
                raws = self._exchange.fetch_open_orders(symbol)
            orders.extend(self._order_of(raw) for raw in raws)
        return orders

    def fills(self) -> Sequence[Fill]:
        return self._fetch_fills(None)

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        return [f for f in self._fetch_fills(ts_ns // NANOS_PER_MILLI) if f.ts_event >= ts_ns]

    def balances(self) -> Mapping[str, Decimal]:
        """The spot wallet; when the traded symbols are futures, the futures wallet."""
        contracts = self._contract_rules()
        params = {} if not contracts else {"type": contracts[0].market_type}
        if contracts and contracts[0].sub_type:
            params["subType"] = contracts[0].sub_type
        with self._venue_call("fetch balance"):
            raw = self._exchange.fetch_balance(params) if params else self._exchange.fetch_balance()
        totals = raw.get("total") or {}
        return {str(asset): to_decimal(float(amount)) for asset, amount in totals.items() if amount}

    def positions(self) -> Mapping[str, Decimal]:
        """Spot: the base asset held for each traded symbol (free + in orders). Futures: the
        exchange's signed position (long +, short −) in base units."""
        contracts = self._contract_rules()
        if contracts:
            return self._contract_positions(contracts)
        balances = self.balances()
        positions = {}
        for symbol in self._symbols:
            rules = self._market_rules(symbol)
            quantity = ZERO if rules is None else balances.get(rules.base, ZERO)
            if quantity:
                positions[symbol] = quantity
        return positions

    def _contract_rules(self) -> list[MarketRules]:
        """The rules of the traded symbols that are futures (swap or dated)."""
        rules = (self._market_rules(symbol) for symbol in list(self._symbols))
        return [r for r in rules if r is not None and r.contract]

    def _contract_positions(self, contracts: Sequence[MarketRules]) -> dict[str, Decimal]:
        by_symbol = {r.instrument.symbol: r for r in contracts}
        with self._venue_call("fetch positions"):
            raws = self._exchange.fetch_positions(list(by_symbol))
        positions: dict[str, Decimal] = {}
        for raw in raws:
            rules = by_symbol.get(str(raw.get("symbol")))
            if rules is None:
                continue
            quantity = positions.get(rules.instrument.symbol, ZERO) + signed_position(raw, rules)
            positions[rules.instrument.symbol] = quantity
        return {symbol: quantity for symbol, quantity in positions.items() if quantity}

    # -- polling ------------------------------------------------------------------------

    def poll_order(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        """Report the fills and the end of an order since it was last looked at."""
        state = self.order_state(client_order_id)
        if state is None or client_order_id in self._local_states:
            return state
        self._report_trades(state.order, state.venue_order_id)
        if state.status in (OrderStatus.CANCELED, OrderStatus.REJECTED):
            self._emit(
                OrderCanceled(client_order_id, state.reason or "closed at venue", self._now())
            )
        return state

    # -- sending ------------------------------------------------------------------------

    def _send(self, order: Order, quantity: Decimal) -> None:
        cid = order.client_order_id
        try:
            raw = self._create(order, quantity)
        except ccxt.NetworkError as exc:
            raise TransientVenueError(
                f"{self._venue}: no answer to order {cid} ({type(exc).__name__}); the outcome "
                f"is unknown: query order_state({cid!r}), do not resend"
            ) from exc
        except _REJECTIONS as exc:
            if any(text in str(exc) for text in DUPLICATE_ORDER_MESSAGES):
                self._adopt_known(order)
            else:
                self._reject(order, f"{self._venue} refused the order: {exc}")
            return
        except ccxt.ExchangeError as exc:
            # ccxt maps some futures codes (-4116 duplicate id, -2022 reduce-only refused)
            # to the generic ExchangeError: recognised by their message
            if any(text in str(exc) for text in DUPLICATE_ORDER_MESSAGES):
                self._adopt_known(order)
                return
            if any(text in str(exc) for text in ORDER_REFUSAL_MESSAGES):
                self._reject(order, f"{self._venue} refused the order: {exc}")
                return
            raise VenueRejectedError(f"{self._venue} refused order {cid}: {exc}") from exc
        venue_order_id = VenueOrderId(str(raw["id"]))
        self._remember(cid, venue_order_id)
        self._emit(OrderAccepted(order, venue_order_id, self._now()))
        if raw.get("filled") or raw.get("status") == "closed":
            self._report_trades(order, venue_order_id, raw.get("trades"))

    def _create(self, order: Order, quantity: Decimal) -> Any:
        symbol, side = order.symbol, order.side.value
        params: dict[str, Any] = {"clientOrderId": order.client_order_id}
        rules = self._market_rules(symbol)
        if rules is not None and rules.contract:
            quantity = quantity / rules.contract_size  # ccxt counts contracts
            if order.reduce_only:
                params[REDUCE_ONLY_PARAM] = True
        if order.quote_quantity is not None:
            return self._exchange.create_market_buy_order_with_cost(
                symbol, float(order.quote_quantity), params
            )
        amount, price = float(quantity), None if order.price is None else float(order.price)
        if order.order_type is OrderType.STOP:
            params["triggerPrice"] = price
            return self._exchange.create_order(symbol, "market", side, amount, None, params)
        return self._exchange.create_order(
            symbol, order.order_type.value, side, amount, price, params
        )

    def _adopt_known(self, order: Order) -> None:
        """The venue already has this client id (sent before a restart): same order."""
        state = self.order_state(order.client_order_id)
        if state is None or state.venue_order_id is None:
            self._reject(order, f"{self._venue} reports a duplicate client order id")
            return
        logger.info("order %s already known at %s", order.client_order_id, self._venue)
        self._emit(OrderAccepted(order, state.venue_order_id, self._now()))
        self._report_trades(order, state.venue_order_id)

    def _pretend(self, order: Order, quantity: Decimal) -> None:
        self._dry_run_sequence += 1
        venue_order_id = VenueOrderId(f"{DRY_RUN_PREFIX}{self._dry_run_sequence}")
        logger.warning(
            "DRY RUN: would send %s %s %s %s%s to %s (client order id %s); nothing sent",
            order.order_type.value,
            order.side.value,
            quantity if order.quote_quantity is None else f"{order.quote_quantity} quote of",
            order.symbol,
            "" if order.price is None else f" at {order.price}",
            self._venue,
            order.client_order_id,
        )
        self._local_states[order.client_order_id] = VenueOrderState(
            order, venue_order_id, OrderStatus.CANCELED, quantity, DRY_RUN_REASON
        )
        # accepted, then closed at once: nothing is working anywhere, so the journal, the
        # order book and reconciliation all see a closed order, never a phantom open one
        self._emit(OrderAccepted(order, venue_order_id, self._now()))
        self._emit(OrderCanceled(order.client_order_id, DRY_RUN_REASON, self._now()))

    def _reject(self, order: Order, reason: str) -> None:
        logger.warning("order %s rejected: %s", order.client_order_id, reason)
        self._local_states[order.client_order_id] = VenueOrderState(
            order, None, OrderStatus.REJECTED, None, reason
        )
        self._emit(OrderRejected(order, reason, self._now()))

    # -- trades -------------------------------------------------------------------------

    def _report_trades(
        self, order: Order, venue_order_id: VenueOrderId | None, carried: Any = None
    ) -> None:
        """``OrderFilled`` once per trade of the order, oldest first."""
        rules = self._market_rules(order.symbol)
        if venue_order_id is None or rules is None:
            return
        trades = carried or []
        if self._exchange.has.get("fetchOrderTrades"):
            try:
                with self._venue_call(f"fetch trades of order {order.client_order_id}"):
                    trades = self._order_trades(venue_order_id, order.symbol, rules)
            except TransientVenueError:
                logger.warning("trades of %s not fetched; poll_order() reports them later", order)
                return
        cid = order.client_order_id
        for trade in trades:
            key = f"{venue_order_id}:{trade['id']}"
            if key in self._reported_trades:
                continue
            self._reported_trades.add(key)
            trade = {**in_base_units(trade, rules), "order": venue_order_id}
            trade["side"] = order.side.value
            fill = fill_from_trade(trade, cid, self._venue, rules, self._now())
            filled = self._filled[cid] = self._filled.get(cid, ZERO) + fill.quantity
            remaining = max(order.quantity - filled, ZERO) if order.quote_quantity is None else ZERO
            self._emit(OrderFilled(fill, remaining, fill.ts_event))

    def _fetch_fills(self, since_ms: int | None) -> list[Fill]:
        fills = []
        for symbol in list(self._symbols):
            rules = self._market_rules(symbol)
            if rules is None:
                continue
            with self._venue_call(f"fetch trades of {symbol}"):
                trades = self._exchange.fetch_my_trades(symbol, since_ms)
            for trade in trades:
                cid = self._client_id_of(VenueOrderId(str(trade["order"])), symbol)
                trade = in_base_units(trade, rules)
                fills.append(fill_from_trade(trade, cid, self._venue, rules, self._now()))
        return sorted(fills, key=lambda fill: fill.ts_event)

    def _order_trades(self, venue_order_id: VenueOrderId, symbol: str, rules: MarketRules) -> Any:
        if rules.contract:  # ccxt's fetch_order_trades is spot only at Binance
            return self._exchange.fetch_my_trades(symbol, None, None, {"orderId": venue_order_id})
        return self._exchange.fetch_order_trades(venue_order_id, symbol)

    def _client_id_of(self, venue_order_id: VenueOrderId, symbol: str) -> ClientOrderId:
        known = self._client_ids.get(venue_order_id)
        if known is None:
            with self._venue_call(f"fetch order {venue_order_id}"):
                raw = self._exchange.fetch_order(venue_order_id, symbol)
            known = self._order_of(raw).client_order_id
            self._remember(known, venue_order_id)
        return known

    # -- helpers ------------------------------------------------------------------------

    def _market_rules(self, symbol: str) -> MarketRules | None:
        if self._rules is None:
            with self._venue_call("load markets"):
                markets = self._exchange.load_markets()
            mode = int(self._exchange.precisionMode)
            self._rules = {
                str(s): rules_from_market(m, mode)
                for s, m in markets.items()
                if (m.get("spot", True) or m.get("contract"))
                and m.get("type") != "option"
                and m.get("active") is not False
            }
        return self._rules.get(symbol)

    def _order_of(self, raw: Mapping[str, Any]) -> Order:
        cid = raw.get("clientOrderId")
        known = None if cid is None else self._orders.get(ClientOrderId(str(cid)))
        return known or order_from_raw(raw, self._venue, self._now())

    def _remember(self, cid: ClientOrderId, venue_order_id: VenueOrderId | None) -> None:
        if venue_order_id is not None:
            self._venue_ids[cid] = venue_order_id
            self._client_ids[venue_order_id] = cid

    @contextmanager
    def _venue_call(self, what: str) -> Iterator[None]:
        try:
            yield
        except ccxt.NetworkError as exc:
            raise TransientVenueError(f"{self._venue}: {what} failed: {exc}") from exc
        except ccxt.OrderNotFound:
            raise
        except ccxt.ExchangeError as exc:
            raise VenueRejectedError(f"{self._venue}: {what} refused: {exc}") from exc

    def _now(self) -> int:
        return self._clock.timestamp_ns()

    def _emit(self, event: Event) -> None:
        if self._handler is not None:
            self._handler(event)
