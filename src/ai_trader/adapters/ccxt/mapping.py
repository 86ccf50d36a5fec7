"""ccxt's unified structures ↔ ours: markets → instruments, orders → venue states,
trades → fills (fees converted to the quote asset)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ai_trader.adapters.ccxt.constants import NANOS_PER_MILLI, ORDER_STATUS
from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.core.money import ZERO, to_decimal
from ai_trader.domain.enums import LiquiditySide, OrderStatus, OrderType, Side
from ai_trader.domain.fills import Fill
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.orders import Order
from ai_trader.domain.venue_state import VenueOrderState

logger = logging.getLogger(__name__)

# ccxt.base.decimal_to_precision: how a market states its precision
DECIMAL_PLACES = 2
SIGNIFICANT_DIGITS = 3
TICK_SIZE = 4


@dataclass(frozen=True, slots=True)
class MarketRules:
    """What the venue allows for one symbol."""

    instrument: Instrument
    base: str
    quote: str
    min_notional: Decimal = ZERO
    contract: bool = False  # a swap or future: positions come from the position endpoint
    contract_size: Decimal = Decimal(1)  # base units per contract
    market_type: str = "spot"  # ccxt's market type: spot, swap, future
    sub_type: str = ""  # contracts: linear (settled in the quote) or inverse


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value if isinstance(value, str) else float(value))


def _step(value: Any, precision_mode: int) -> Decimal | None:
    """A precision as ccxt gives it → the increment; None when unknown or not a step."""
    number = _decimal(value)
    if number is None or (number <= 0 and precision_mode != DECIMAL_PLACES):
        return None
    if precision_mode == TICK_SIZE:
        return number
    if precision_mode == DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(number))
    return None  # significant digits: no fixed step


def rules_from_market(market: Mapping[str, Any], precision_mode: int) -> MarketRules:
    """``exchange.markets[symbol]`` → the instrument (tick, lot step, minimum size)."""
    precision = market.get("precision") or {}
    limits = market.get("limits") or {}
    defaults = Instrument(str(market["symbol"]))
    price_step = _step(precision.get("price"), precision_mode) or defaults.price_increment
    size_step = _step(precision.get("amount"), precision_mode) or defaults.size_increment
    quote_step = _step(precision.get("quote"), precision_mode) or defaults.quote_increment
    min_quantity = _decimal((limits.get("amount") or {}).get("min")) or ZERO
    min_notional = _decimal((limits.get("cost") or {}).get("min")) or ZERO
    instrument = Instrument(
        symbol=str(market["symbol"]),
        price_increment=price_step,
        size_increment=size_step,
        min_quantity=min_quantity,
        quote_increment=quote_step,
    )
    contract = bool(market.get("contract"))
    return MarketRules(
        instrument,
        str(market["base"]),
        str(market["quote"]),
        min_notional,
        contract=contract,
        contract_size=(_decimal(market.get("contractSize")) or Decimal(1))
        if contract
        else Decimal(1),
        market_type=str(market.get("type") or "spot"),
        sub_type="linear" if market.get("linear") else "inverse" if market.get("inverse") else "",
    )


def in_base_units(trade: Mapping[str, Any], rules: MarketRules) -> Mapping[str, Any]:
    """A contract market's trade counts contracts: its amount in base units."""
    if not rules.contract or rules.contract_size == 1:
        return trade
    amount = (_decimal(trade["amount"]) or ZERO) * rules.contract_size
    return {**trade, "amount": str(amount)}


def signed_position(position: Mapping[str, Any], rules: MarketRules) -> Decimal:
    """A ccxt position (``fetch_positions``) → signed base units: long +, short −."""
    contracts = _decimal(position.get("contracts")) or ZERO
    quantity = abs(contracts) * rules.contract_size
    return -quantity if position.get("side") == "short" else quantity


def refusal_reason(order: Order, rules: MarketRules, quantity: Decimal) -> str:
    """Why the venue would refuse ``order`` at ``quantity`` (already rounded down); "" if
    it would not."""
    instrument = rules.instrument
    if order.quote_quantity is not None:
        if order.quote_quantity < rules.min_notional:
            return f"quote quantity {order.quote_quantity} below minimum {rules.min_notional}"
        return ""
    if quantity <= 0 or quantity < instrument.min_quantity:
        return (
            f"quantity {order.quantity} (rounded down to the step {instrument.size_increment}:"
            f" {quantity}) below minimum {instrument.min_quantity}"
        )
    if order.price is not None and quantity * order.price < rules.min_notional:
        return f"notional {quantity * order.price} below minimum {rules.min_notional}"
    return ""


def fee_in_quote(trade: Mapping[str, Any], price: Decimal, rules: MarketRules) -> Decimal:
    """The trade's fees in the quote asset: a fee in the base asset is valued at the fill
    price; a fee in a third asset (e.g. BNB) cannot be valued here and is logged."""
    fees = trade.get("fees") or ([trade["fee"]] if trade.get("fee") else [])
    total = ZERO
    for fee in fees:
        cost = _decimal(fee.get("cost"))
        if not cost:
            continue
        currency = fee.get("currency")
        if currency == rules.quote:
            total += cost
        elif currency == rules.base:
            total += cost * price
        else:
            logger.warning(
                "fee of %s %s on trade %s is not in %s or %s: booked as 0",
                cost,
                currency,
                trade.get("id"),
                rules.base,
                rules.quote,
            )
    return rules.instrument.round_quote(total)


def fill_from_trade(
    trade: Mapping[str, Any],
    client_order_id: ClientOrderId,
    venue: str,
    rules: MarketRules,
    fallback_ts_ns: int,
) -> Fill:
    """A ccxt trade (``fetch_my_trades``) → a ``Fill``."""
    price = _decimal(trade["price"]) or ZERO
    quantity = _decimal(trade["amount"]) or ZERO
    timestamp = trade.get("timestamp")
    liquidity = LiquiditySide.MAKER if trade.get("takerOrMaker") == "maker" else LiquiditySide.TAKER
    return Fill(
        client_order_id=client_order_id,
        venue_order_id=VenueOrderId(str(trade["order"])),
        trade_id=TradeId(str(trade["id"])),
        venue=venue,
        symbol=rules.instrument.symbol,
        side=Side(str(trade["side"])),
        quantity=quantity,
        price=price,
        fee=fee_in_quote(trade, price, rules),
        liquidity=liquidity,
        ts_event=fallback_ts_ns if timestamp is None else int(timestamp) * NANOS_PER_MILLI,
    )


def order_from_raw(raw: Mapping[str, Any], venue: str, fallback_ts_ns: int) -> Order:
    """A ccxt order this process did not send (found at the venue) → an ``Order``."""
    client_id = raw.get("clientOrderId") or f"{venue}-{raw['id']}"
    trigger = _decimal(raw.get("triggerPrice") or raw.get("stopPrice"))
    timestamp = raw.get("timestamp")
    price: Decimal | None
    if trigger is not None:
        order_type, price = OrderType.STOP, trigger
    elif raw.get("type") == "limit":
        order_type, price = OrderType.LIMIT, _decimal(raw.get("price"))
    else:
        order_type, price = OrderType.MARKET, None
    return Order(
        client_order_id=ClientOrderId(str(client_id)),
        symbol=str(raw["symbol"]),
        side=Side(str(raw["side"])),
        order_type=order_type,
        quantity=_decimal(raw.get("amount")) or ZERO,
        ts_init=fallback_ts_ns if timestamp is None else int(timestamp) * NANOS_PER_MILLI,
        price=price,
    )


def state_from_raw(raw: Mapping[str, Any], order: Order) -> VenueOrderState:
    """A ccxt order (``fetch_order``) → the venue's view of ``order``."""
    status = ORDER_STATUS.get(str(raw.get("status")), OrderStatus.ACCEPTED)
    filled = _decimal(raw.get("filled")) or ZERO
    if status is OrderStatus.ACCEPTED and filled > 0:
        status = OrderStatus.PARTIALLY_FILLED
    remaining = _decimal(raw.get("remaining"))
    if remaining is None and order.quote_quantity is None:
        remaining = order.quantity - filled
    reason = "" if status.is_open or status is OrderStatus.FILLED else str(raw.get("status"))
    return VenueOrderState(order, VenueOrderId(str(raw["id"])), status, remaining, reason)
