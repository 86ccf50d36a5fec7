"""Interactive Brokers ↔ ours, as pure functions: symbols ↔ contract fields, contract
details → instruments, orders → IB order fields (brackets as a parent and two OCA exits),
IB order statuses → ours, executions with their commission reports → fills.

Nothing here imports ib_async: IB objects come in duck-typed (only the attributes named are
read) and orders go out as ``dict`` s of ``ib_async.Order`` field names, so this module
works, and is tested, without the ``ibkr`` extra.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ai_trader.adapters.ibkr.constants import (
    ACTIONS,
    EXECUTION_SIDES,
    FOREX,
    FOREX_CURRENCIES,
    FOREX_EXCHANGE,
    FUTURE,
    FUTURE_EXCHANGES,
    LIQUIDITY,
    OCA_CANCEL_WITH_BLOCK,
    OCA_SUFFIX,
    ORDER_STATUS,
    ORDER_TYPES,
    STOCK,
    STOCK_EXCHANGE,
    STOP_LOSS_SUFFIX,
    TAKE_PROFIT_SUFFIX,
    TIME_IN_FORCE,
    UNSET_DOUBLE,
)
from ai_trader.core.clock import datetime_to_ns
from ai_trader.core.errors import ConfigurationError
from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.core.money import ZERO, to_decimal
from ai_trader.domain.enums import LiquiditySide, OrderStatus, OrderType, Side
from ai_trader.domain.fills import Fill
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import VenueOrderState, base_and_quote

if TYPE_CHECKING:  # the types only: nothing is imported at run time
    from ib_async import CommissionReport, Contract, ContractDetails, Trade
    from ib_async import Fill as IbFill
    from ib_async import Order as IbOrder

logger = logging.getLogger(__name__)

SUPPORTED_SYMBOLS = "'AAPL/USD' (stock), 'EUR/USD' (forex) or 'ES/USD:FUT:202612' (future)"


# -- symbols and contracts -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractSpec:
    """The fields that name an IB contract."""

    sec_type: str
    symbol: str
    currency: str
    exchange: str
    last_trade_date: str = ""

    def fields(self) -> dict[str, str]:
        """Keyword arguments for ``ib_async.Contract``."""
        fields = {
            "secType": self.sec_type,
            "symbol": self.symbol,
            "currency": self.currency,
            "exchange": self.exchange,
        }
        if self.last_trade_date:
            fields["lastTradeDateOrContractMonth"] = self.last_trade_date
        return fields


def contract_spec(symbol: str) -> ContractSpec:
    """``"AAPL/USD"`` → stock on SMART; ``"EUR/USD"`` → forex on IDEALPRO;
    ``"ES/USD:FUT:202612"`` → the December 2026 future on its exchange."""
    pair, _, rest = symbol.partition(":")
    base, slash, quote = pair.partition("/")
    if not (slash and base and quote):
        raise ConfigurationError(f"unsupported IBKR symbol {symbol!r}: use {SUPPORTED_SYMBOLS}")
    if not rest:
        if base in FOREX_CURRENCIES and quote in FOREX_CURRENCIES:
            return ContractSpec(FOREX, base, quote, FOREX_EXCHANGE)
        return ContractSpec(STOCK, base, quote, STOCK_EXCHANGE)
    sec_type, _, expiry = rest.partition(":")
    if sec_type != FUTURE or not (expiry.isdigit() and len(expiry) in (6, 8)):
        raise ConfigurationError(f"unsupported IBKR symbol {symbol!r}: use {SUPPORTED_SYMBOLS}")
    exchange = FUTURE_EXCHANGES.get(base)
    if exchange is None:
        raise ConfigurationError(
            f"unknown futures root {base!r} in {symbol!r}: known are {sorted(FUTURE_EXCHANGES)}"
        )
    return ContractSpec(FUTURE, base, quote, exchange, expiry)


def symbol_from_contract(contract: Contract) -> str:
    """An IB contract (stock, forex or future) → our symbol."""
    sec_type = contract.secType
    if sec_type in (STOCK, FOREX):
        return f"{contract.symbol}/{contract.currency}"
    if sec_type == FUTURE:
        month = contract.lastTradeDateOrContractMonth[:6]
        return f"{contract.symbol}/{contract.currency}:{FUTURE}:{month}"
    raise ConfigurationError(
        f"unsupported IB security type {sec_type!r} ({contract.symbol}): "
        f"supported are {STOCK}, {FOREX} and {FUTURE}"
    )


def _number(value: float | Decimal | None) -> Decimal | None:
    """An IB number → ``Decimal``; None for IB's "unset" (max double), 0, NaN or None."""
    if value is None or value == UNSET_DOUBLE or (isinstance(value, float) and math.isnan(value)):
        return None
    number = to_decimal(value)
    if number <= 0:
        return None
    whole = number.to_integral_value()
    return whole if number == whole else number.normalize()  # 1.0 → 1, 0.010 → 0.01


def instrument_from_details(symbol: str, details: ContractDetails) -> Instrument:
    """``ib.reqContractDetails`` → the instrument: ``minTick`` is the price increment,
    ``sizeIncrement`` the lot step (1 when IB gives none) and ``minSize`` the minimum."""
    defaults = Instrument(symbol)
    size_step = _number(details.sizeIncrement) or Decimal(1)
    return Instrument(
        symbol=symbol,
        price_increment=_number(details.minTick) or defaults.price_increment,
        size_increment=size_step,
        min_quantity=_number(details.minSize) or size_step,
        quote_increment=defaults.quote_increment,
    )


# -- orders --------------------------------------------------------------------------------


def refusal_reason(order: Order, instrument: Instrument) -> str:
    """Why IB would refuse ``order`` once its size is floored to the lot step; "" if not."""
    quantity = instrument.floor_quantity(order.quantity)
    if quantity <= 0 or quantity < instrument.min_quantity:
        return (
            f"quantity {order.quantity} (rounded down to the step {instrument.size_increment}:"
            f" {quantity}) below minimum {instrument.min_quantity}"
        )
    return ""


def order_fields(
    order: Order, instrument: Instrument, account: str | None = None
) -> dict[str, Any]:
    """Our order → keyword arguments for ``ib_async.Order``: size floored to the lot step,
    price rounded to the tick, our client order id in ``orderRef``."""
    if order.quote_quantity is not None:
        raise ConfigurationError(
            f"order {order.client_order_id}: quote_quantity orders are not supported at IBKR;"
            " give a quantity"
        )
    order_type = ORDER_TYPES.get(order.order_type)
    if order_type is None:
        raise ConfigurationError(
            f"unsupported order type {order.order_type!r} at IBKR: use {sorted(ORDER_TYPES)}"
        )
    fields: dict[str, Any] = {
        "action": ACTIONS[order.side],
        "orderType": order_type,
        "totalQuantity": float(instrument.floor_quantity(order.quantity)),
        "tif": TIME_IN_FORCE[order.order_type],
        "orderRef": str(order.client_order_id),
        "transmit": True,
        "outsideRth": False,
    }
    if order.price is not None:
        price_field = "auxPrice" if order.order_type is OrderType.STOP else "lmtPrice"
        fields[price_field] = float(instrument.round_price(order.price))
    if account:
        fields["account"] = account
    return fields


def bracket_exits(order: Order, instrument: Instrument) -> tuple[Order, ...]:
    """The exits of a bracketed entry, take-profit first: ``<id>.tp`` (limit) and ``<id>.sl``
    (stop), one-cancels-the-other, at the entry's price ± the bracket's distances."""
    bracket = order.bracket
    if bracket is None:
        return ()
    if order.price is None:
        raise ConfigurationError(
            f"order {order.client_order_id}: a bracket on a market order is not supported at "
            "IBKR (the exits need absolute prices); give the entry a limit or stop price"
        )
    direction = order.side.sign
    take_id = ClientOrderId(f"{order.client_order_id}{TAKE_PROFIT_SUFFIX}")
    stop_id = ClientOrderId(f"{order.client_order_id}{STOP_LOSS_SUFFIX}")
    legs: list[tuple[ClientOrderId, OrderType, Decimal, ClientOrderId]] = []
    if bracket.take_profit_distance is not None:
        take_price = order.price + direction * bracket.take_profit_distance
        legs.append((take_id, OrderType.LIMIT, take_price, stop_id))
    if bracket.stop_distance is not None:
        stop_price = order.price - direction * bracket.stop_distance
        legs.append((stop_id, OrderType.STOP, stop_price, take_id))
    both = len(legs) == 2
    exits = []
    for leg_id, order_type, price, sibling in legs:
        if price <= 0:
            raise ConfigurationError(
                f"order {order.client_order_id}: bracket exit {leg_id} would be at {price}"
            )
        exits.append(
            Order(
                client_order_id=leg_id,
                symbol=order.symbol,
                side=order.side.opposite,
                order_type=order_type,
                quantity=instrument.floor_quantity(order.quantity),
                ts_init=order.ts_init,
                price=instrument.round_price(price),
                reduce_only=True,
                parent_id=order.client_order_id,
                oco_id=sibling if both else None,
                tag=order.tag,
            )
        )
    return tuple(exits)


def placement(
    order: Order, instrument: Instrument, account: str | None = None
) -> list[tuple[Order, dict[str, Any]]]:
    """Each order to place, in order, with its IB fields. A bracket is the parent and its
    exits: all in one OCA group (``<id>.oca``), and only the last one transmits, so TWS sends
    nothing until the whole bracket is in. The exits' ``parentId`` is the parent's IB order
    id, known once the parent is placed: the caller sets it."""
    orders = (order, *bracket_exits(order, instrument))
    legs = [(leg, order_fields(leg, instrument, account)) for leg in orders]
    if len(legs) > 1:
        oca_group = f"{order.client_order_id}{OCA_SUFFIX}"
        for position, (_, fields) in enumerate(legs):
            fields["transmit"] = position == len(legs) - 1
            if position > 0:
                fields["ocaGroup"] = oca_group
                fields["ocaType"] = OCA_CANCEL_WITH_BLOCK
    return legs


def order_from_ib(ib_order: IbOrder, symbol: str, venue: str, ts_init: int) -> Order:
    """An IB order this process did not send (found at the venue) → an ``Order``."""
    order_type = next(
        (ours for ours, theirs in ORDER_TYPES.items() if theirs == ib_order.orderType), None
    )
    if order_type is None:
        raise ConfigurationError(
            f"unsupported IB order type {ib_order.orderType!r}: supported are "
            f"{sorted(ORDER_TYPES.values())}"
        )
    price = None
    if order_type is not OrderType.MARKET:
        price = _number(ib_order.auxPrice if order_type is OrderType.STOP else ib_order.lmtPrice)
    return Order(
        client_order_id=ClientOrderId(ib_order.orderRef or f"{venue}-{ib_order.permId}"),
        symbol=symbol,
        side=Side.BUY if ib_order.action == ACTIONS[Side.BUY] else Side.SELL,
        order_type=order_type,
        quantity=to_decimal(ib_order.totalQuantity),
        ts_init=ts_init,
        price=price,
    )


# -- statuses and fills --------------------------------------------------------------------


def order_status(status: str, filled: Decimal = ZERO) -> OrderStatus:
    """An IB order status → ours; an open order with a fill is partially filled. A status
    this adapter does not know is treated as open (and logged)."""
    ours = ORDER_STATUS.get(status)
    if ours is None:
        logger.warning("unknown IB order status %r: treated as open", status)
        ours = OrderStatus.ACCEPTED
    if ours is OrderStatus.ACCEPTED and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    return ours


def venue_order_id(trade: Trade) -> VenueOrderId | None:
    """IB's permanent id of the order (``permId``); None until TWS has acknowledged it."""
    perm_id = trade.order.permId or trade.orderStatus.permId
    if not perm_id and trade.fills:
        perm_id = trade.fills[0].execution.permId
    return VenueOrderId(str(perm_id)) if perm_id else None


def trade_reason(trade: Trade) -> str:
    """What IB said last about the order (its log message or error), for a closed order."""
    messages = [entry.message for entry in trade.log if entry.message]
    return trade.advancedError or (messages[-1] if messages else trade.orderStatus.status)


def filled_quantity(trade: Trade) -> Decimal:
    executed = sum((to_decimal(fill.execution.shares) for fill in trade.fills), ZERO)
    return max(executed, to_decimal(trade.orderStatus.filled))


def state_from_trade(trade: Trade, order: Order) -> VenueOrderState:
    """An ib_async ``Trade`` → the venue's view of ``order``."""
    filled = filled_quantity(trade)
    status = order_status(trade.orderStatus.status, filled)
    reason = "" if status.is_open or status is OrderStatus.FILLED else trade_reason(trade)
    remaining = max(to_decimal(trade.order.totalQuantity) - filled, ZERO)
    return VenueOrderState(order, venue_order_id(trade), status, remaining, reason)


def commission_reported(fill: IbFill) -> bool:
    """Has the commission report of this execution arrived? (It follows the execution.)"""
    return bool(fill.commissionReport.execId) and (
        fill.commissionReport.execId == fill.execution.execId
    )


def fee_in_quote(report: CommissionReport, quote: str) -> Decimal:
    """The commission in the quote currency; one in another currency cannot be valued here
    and is logged and booked as 0 (as a rebate, a negative commission, is)."""
    commission = _number(report.commission)
    if commission is None:
        return ZERO
    if report.currency and report.currency != quote:
        logger.warning(
            "commission of %s %s on execution %s is not in %s: booked as 0",
            commission,
            report.currency,
            report.execId,
            quote,
        )
        return ZERO
    return commission


def fill_ts_ns(fill: IbFill) -> int:
    moment = fill.execution.time
    return datetime_to_ns(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def fill_from_ib(fill: IbFill, client_order_id: ClientOrderId, symbol: str, venue: str) -> Fill:
    """An execution and its commission report (ib_async ``Fill``) → our ``Fill``: the trade
    id is IB's ``execId``, the venue order id its ``permId``, the fee the commission."""
    execution = fill.execution
    side = EXECUTION_SIDES.get(execution.side)
    if side is None:
        raise ConfigurationError(f"unknown IB execution side {execution.side!r}")
    return Fill(
        client_order_id=client_order_id,
        venue_order_id=VenueOrderId(str(execution.permId)),
        trade_id=TradeId(execution.execId),
        venue=venue,
        symbol=symbol,
        side=side,
        quantity=to_decimal(execution.shares),
        price=to_decimal(execution.price),
        fee=fee_in_quote(fill.commissionReport, base_and_quote(symbol)[1]),
        liquidity=LIQUIDITY.get(execution.lastLiquidity, LiquiditySide.TAKER),
        ts_event=fill_ts_ns(fill),
    )
