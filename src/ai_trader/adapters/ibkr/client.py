"""``IbkrExecutor``: the ``Executor`` port over ib_async's synchronous ``IB`` (SPEC EXE-2).

* Our client order id travels in IB's ``orderRef``; an order is found by it in
  ``ib.trades()``, so ``submit`` of an id IB already knows (sent before a restart) places
  nothing and adopts the order at IB instead.
* Sizes are floored to the contract's lot step (``ContractDetails.sizeIncrement``), prices
  rounded to its tick (``minTick``); below ``minSize`` the order is rejected here, with an
  ``OrderRejected`` event, and never placed. Unsupported symbols and order types (a quote
  quantity, a bracket on a market entry) are rejected the same way.
* A bracket is placed as IB's bracket: the parent, then the take-profit and the stop with the
  parent's ``parentId`` in one OCA group; only the last transmits.
* Reports are **polled**, not pushed: ib_async updates its ``Trade`` objects while its event
  loop runs (``ib.sleep``, ``ib.waitOnUpdate``); ``poll()`` then reads them and reports what
  changed: ``OrderAccepted`` once IB gave the order its ``permId``, ``OrderFilled`` per
  execution once its commission report arrived (at most ``COMMISSION_WAIT_NS`` later: then
  with fee 0), ``OrderCanceled`` / ``OrderRejected`` when IB closed it. ``submit`` and
  ``cancel`` poll the order they touched.
* A lost connection (``ConnectionError``, a timeout) raises ``TransientVenueError``: the
  outcome is unknown, the caller asks ``order_state(client_order_id)`` and never resends.
* ``dry_run=True``: orders are validated and logged (``DRY RUN: would place ...``), never
  placed; each is reported accepted with venue order id ``DRYRUN-<n>`` and never fills.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ai_trader.adapters.ibkr._extra import require_ib_async
from ai_trader.adapters.ibkr.constants import (
    CANCELED_STATUSES,
    COMMISSION_WAIT_NS,
    DRY_RUN_PREFIX,
    REJECTED_STATUS,
)
from ai_trader.adapters.ibkr.mapping import (
    commission_reported,
    contract_spec,
    fill_from_ib,
    fill_ts_ns,
    instrument_from_details,
    order_from_ib,
    placement,
    refusal_reason,
    state_from_trade,
    symbol_from_contract,
    trade_reason,
    venue_order_id,
)
from ai_trader.core.clock import Clock
from ai_trader.core.errors import ConfigurationError, TransientVenueError
from ai_trader.core.ids import ClientOrderId, VenueOrderId
from ai_trader.core.money import ZERO, to_decimal
from ai_trader.domain.enums import OrderStatus
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

if TYPE_CHECKING:
    import ib_async

logger = logging.getLogger(__name__)

CASH_BALANCE_TAG = "CashBalance"
BASE_CURRENCY = "BASE"  # IB's total over all currencies, in the account's base currency


class IbkrExecutor:
    """Interactive Brokers through a connected ``ib_async.IB``. ``account`` picks one of
    several managed accounts (orders, positions and balances); None: the only one."""

    def __init__(
        self,
        ib: ib_async.IB,
        *,
        venue: str = "IBKR",
        clock: Clock,
        dry_run: bool,
        account: str | None = None,
    ) -> None:
        self._ib_async = require_ib_async()
        self._ib = ib
        self._venue = venue
        self._clock = clock
        self.dry_run = dry_run
        self._account = account
        self._handler: ReportHandler | None = None
        self._listings: dict[str, tuple[Instrument, ib_async.Contract]] = {}
        self._orders: dict[ClientOrderId, Order] = {}
        self._trades: dict[ClientOrderId, ib_async.Trade] = {}
        self._local_states: dict[ClientOrderId, VenueOrderState] = {}  # rejected here, dry run
        self._accepted: set[ClientOrderId] = set()
        self._closed: set[ClientOrderId] = set()
        self._filled: dict[ClientOrderId, Decimal] = {}
        self._reported_executions: set[str] = set()
        self._dry_run_sequence = 0

    # -- Executor port ------------------------------------------------------------------

    @property
    def venue(self) -> str:
        return self._venue

    def connect(self, handler: ReportHandler) -> None:
        self._handler = handler

    def instrument(self, symbol: str) -> Instrument | None:
        """IB's rules for ``symbol`` (tick, lot step, minimum size); None if IB has none."""
        try:
            return self._listing(symbol)[0]
        except ConfigurationError:
            return None

    def submit(self, order: Order) -> None:
        cid = order.client_order_id
        if cid in self._orders:
            return  # idempotent: a resend of a known id never creates a second order
        self._orders[cid] = order
        known = self._trade(cid)
        if known is not None:  # placed before a restart: the same order
            logger.info("order %s already known at %s: not placed again", cid, self._venue)
            self._sync(cid, known)
            return
        try:
            instrument, contract = self._listing(order.symbol)
            legs = placement(order, instrument, self._account)
        except ConfigurationError as exc:
            self._reject(order, str(exc))
            return
        reason = refusal_reason(order, instrument)
        if reason:
            self._reject(order, reason)
        elif self.dry_run:
            self._pretend(legs)
        else:
            self._place(contract, legs)

    def cancel(self, client_order_id: ClientOrderId) -> None:
        local = self._local_states.get(client_order_id)
        if local is not None:
            if local.status.is_open:  # a dry-run order: nothing to send
                self._local_states[client_order_id] = replace(
                    local, status=OrderStatus.CANCELED, reason="canceled on request"
                )
                self._emit(OrderCanceled(client_order_id, "canceled on request", self._now()))
            return
        trade = self._trade(client_order_id)
        if trade is None or trade.isDone():
            return
        with self._venue_call(f"cancel order {client_order_id}"):
            self._ib.cancelOrder(trade.order)
        self._sync(client_order_id, trade)

    def query_order(self, client_order_id: ClientOrderId) -> Order | None:
        state = self.order_state(client_order_id)
        return None if state is None else state.order

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        local = self._local_states.get(client_order_id)
        if local is not None:
            return local
        trade = self._trade(client_order_id)
        return None if trade is None else state_from_trade(trade, self._order_of(trade))

    def open_orders(self) -> Sequence[Order]:
        orders = [s.order for s in self._local_states.values() if s.status.is_open]
        with self._venue_call("read open orders"):
            trades = self._ib.openTrades()
        orders.extend(self._order_of(trade) for trade in trades if self._supported(trade))
        return orders

    def fills(self) -> Sequence[Fill]:
        """This session's executions (today's, as TWS reports them on connecting), oldest
        first; an execution waiting for its commission report is left for later."""
        with self._venue_call("read fills"):
            ib_fills = self._ib.fills()
        fills = []
        for ib_fill in ib_fills:
            if not self._reportable(ib_fill):
                continue
            try:
                symbol = symbol_from_contract(ib_fill.contract)
            except ConfigurationError as exc:
                logger.warning("execution %s skipped: %s", ib_fill.execution.execId, exc)
                continue
            cid = self._client_id_of(ib_fill.execution)
            fills.append(fill_from_ib(ib_fill, cid, symbol, self._venue))
        return sorted(fills, key=lambda fill: fill.ts_event)

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        return [fill for fill in self.fills() if fill.ts_event >= ts_ns]

    def positions(self) -> Mapping[str, Decimal]:
        with self._venue_call("read positions"):
            held = self._ib.positions(self._account or "")
        positions: dict[str, Decimal] = {}
        for position in held:
            try:
                symbol = symbol_from_contract(position.contract)
            except ConfigurationError as exc:
                logger.warning("position skipped: %s", exc)
                continue
            quantity = positions.get(symbol, ZERO) + to_decimal(position.position)
            positions[symbol] = quantity
        return {symbol: quantity for symbol, quantity in positions.items() if quantity}

    def balances(self) -> Mapping[str, Decimal]:
        """Cash per currency (IB's ``CashBalance`` account values; stocks and futures are
        ``positions()``). The values come from the account subscription ``ib.connect``
        starts."""
        with self._venue_call("read account values"):
            values = self._ib.accountValues(self._account or "")
        balances: dict[str, Decimal] = {}
        for value in values:
            if value.tag != CASH_BALANCE_TAG or value.currency in ("", BASE_CURRENCY):
                continue
            amount = balances.get(value.currency, ZERO) + to_decimal(value.value)
            balances[value.currency] = amount
        return {currency: amount for currency, amount in balances.items() if amount}

    # -- polling ------------------------------------------------------------------------

    def poll(self) -> None:
        """Report what changed at IB for every order placed or adopted here. Run ib_async's
        event loop first (``ib.sleep(0)``) so its ``Trade`` objects are up to date."""
        for cid, trade in list(self._trades.items()):
            self._sync(cid, trade)

    def _sync(self, cid: ClientOrderId, trade: ib_async.Trade) -> None:
        self._trades[cid] = trade
        order = self._order_of(trade)
        status = trade.orderStatus.status
        if cid not in self._accepted and status != REJECTED_STATUS:
            venue_id = venue_order_id(trade)
            if venue_id is not None:
                self._accepted.add(cid)
                self._emit(OrderAccepted(order, venue_id, self._now()))
        self._report_fills(order, trade)
        if cid in self._closed:
            return
        if status in CANCELED_STATUSES:
            self._closed.add(cid)
            self._emit(OrderCanceled(cid, trade_reason(trade), self._now()))
        elif status == REJECTED_STATUS:
            self._closed.add(cid)
            reason = f"{self._venue} refused the order: {trade_reason(trade)}"
            logger.warning("order %s rejected: %s", cid, reason)
            self._emit(OrderRejected(order, reason, self._now()))

    def _report_fills(self, order: Order, trade: ib_async.Trade) -> None:
        """``OrderFilled`` once per execution, oldest first; stop at the first one still
        waiting for its commission report, so fills are never reported out of order."""
        cid = order.client_order_id
        for ib_fill in sorted(trade.fills, key=fill_ts_ns):
            if ib_fill.execution.execId in self._reported_executions:
                continue
            if not self._reportable(ib_fill):
                break
            self._reported_executions.add(ib_fill.execution.execId)
            if cid not in self._accepted:  # filled before IB's acknowledgement was seen
                self._accepted.add(cid)
                venue_id = VenueOrderId(str(ib_fill.execution.permId))
                self._emit(OrderAccepted(order, venue_id, self._now()))
            fill = fill_from_ib(ib_fill, cid, order.symbol, self._venue)
            filled = self._filled[cid] = self._filled.get(cid, ZERO) + fill.quantity
            remaining = max(to_decimal(trade.order.totalQuantity) - filled, ZERO)
            self._emit(OrderFilled(fill, remaining, fill.ts_event))

    def _reportable(self, ib_fill: ib_async.Fill) -> bool:
        if commission_reported(ib_fill):
            return True
        if self._now() - fill_ts_ns(ib_fill) < COMMISSION_WAIT_NS:
            return False
        logger.warning(
            "no commission report for execution %s: reported with fee 0",
            ib_fill.execution.execId,
        )
        return True

    # -- placing ------------------------------------------------------------------------

    def _place(self, contract: ib_async.Contract, legs: list[tuple[Order, dict[str, Any]]]) -> None:
        parent_order_id = 0
        placed = []
        for leg, fields in legs:
            ib_order = self._ib_async.Order(**fields)
            if leg.parent_id is not None:
                ib_order.parentId = parent_order_id
            with self._venue_call(f"place order {leg.client_order_id}"):
                trade = self._ib.placeOrder(contract, ib_order)
            if leg.parent_id is None:
                parent_order_id = trade.order.orderId
            self._orders[leg.client_order_id] = leg
            self._trades[leg.client_order_id] = trade
            placed.append((leg.client_order_id, trade))
        for cid, trade in placed:
            self._sync(cid, trade)

    def _pretend(self, legs: list[tuple[Order, dict[str, Any]]]) -> None:
        order, fields = legs[0]
        self._dry_run_sequence += 1
        venue_id = VenueOrderId(f"{DRY_RUN_PREFIX}{self._dry_run_sequence}")
        for leg, leg_fields in legs:
            logger.warning(
                "DRY RUN: would place %s on %s at %s (client order id %s); nothing placed",
                leg_fields,
                leg.symbol,
                self._venue,
                leg.client_order_id,
            )
        self._local_states[order.client_order_id] = VenueOrderState(
            order, venue_id, OrderStatus.ACCEPTED, to_decimal(fields["totalQuantity"])
        )
        self._emit(OrderAccepted(order, venue_id, self._now()))

    def _reject(self, order: Order, reason: str) -> None:
        logger.warning("order %s rejected: %s", order.client_order_id, reason)
        self._local_states[order.client_order_id] = VenueOrderState(
            order, None, OrderStatus.REJECTED, None, reason
        )
        self._emit(OrderRejected(order, reason, self._now()))

    # -- lookups ------------------------------------------------------------------------

    def _listing(self, symbol: str) -> tuple[Instrument, ib_async.Contract]:
        """The instrument and the qualified contract of ``symbol``, from IB's contract
        details (asked once); ``ConfigurationError`` if IB has none or several."""
        listing = self._listings.get(symbol)
        if listing is not None:
            return listing
        contract = self._ib_async.Contract(**contract_spec(symbol).fields())
        with self._venue_call(f"read contract details of {symbol}"):
            details = self._ib.reqContractDetails(contract)
        if len(details) != 1:
            found = "no" if not details else f"{len(details)} (ambiguous)"
            raise ConfigurationError(f"IB has {found} contracts for {symbol!r}")
        qualified = details[0].contract or contract
        listing = self._listings[symbol] = (instrument_from_details(symbol, details[0]), qualified)
        return listing

    def _trade(self, cid: ClientOrderId) -> ib_async.Trade | None:
        """The order IB knows under our client order id (its ``orderRef``)."""
        trade = self._trades.get(cid)
        if trade is not None:
            return trade
        with self._venue_call(f"find order {cid}"):
            trades = self._ib.trades()
        trade = next((t for t in trades if t.order.orderRef == cid), None)
        if trade is not None:
            self._trades[cid] = trade
        return trade

    def _order_of(self, trade: ib_async.Trade) -> Order:
        ref = ClientOrderId(trade.order.orderRef)
        known = self._orders.get(ref) if ref else None
        if known is None:
            symbol = symbol_from_contract(trade.contract)
            known = order_from_ib(trade.order, symbol, self._venue, self._now())
            self._orders[known.client_order_id] = known
        return known

    def _supported(self, trade: ib_async.Trade) -> bool:
        try:
            self._order_of(trade)
        except ConfigurationError as exc:
            logger.warning("open order %s skipped: %s", trade.order.permId, exc)
            return False
        return True

    def _client_id_of(self, execution: ib_async.Execution) -> ClientOrderId:
        return ClientOrderId(execution.orderRef or f"{self._venue}-{execution.permId}")

    @contextmanager
    def _venue_call(self, what: str) -> Iterator[None]:
        try:
            yield
        except (ConnectionError, TimeoutError) as exc:
            raise TransientVenueError(
                f"{self._venue}: {what} failed ({type(exc).__name__}: {exc}); if an order was "
                "being placed, the outcome is unknown: query order_state(), do not resend"
            ) from exc

    def _now(self) -> int:
        return self._clock.timestamp_ns()

    def _emit(self, event: Event) -> None:
        if self._handler is not None:
            self._handler(event)
