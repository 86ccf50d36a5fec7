"""What differs between ccxt venues, declared as data."""

from __future__ import annotations

from types import MappingProxyType

from ai_trader.domain.enums import OrderStatus

# the parameter that names our client order id when an order is fetched or canceled;
# ccxt's unified ``clientOrderId`` is used for the venues not listed
CLIENT_ID_QUERY_PARAM = MappingProxyType({"binance": "origClientOrderId"})
DEFAULT_CLIENT_ID_QUERY_PARAM = "clientOrderId"

# ccxt's unified order status → ours ("open" with a fill becomes partially filled)
ORDER_STATUS = MappingProxyType(
    {
        "open": OrderStatus.ACCEPTED,
        "closed": OrderStatus.FILLED,
        "canceled": OrderStatus.CANCELED,
        "expired": OrderStatus.CANCELED,
        "rejected": OrderStatus.REJECTED,
    }
)

# how a venue words "this client order id is already taken" (Binance spot: code -2010;
# Binance USDⓈ-M futures: code -4116)
DUPLICATE_ORDER_MESSAGES = ("Duplicate order sent", "ClientOrderId is duplicated")

# order refusals ccxt reports as a generic ExchangeError (Binance USDⓈ-M -2022, -2019)
ORDER_REFUSAL_MESSAGES = ("ReduceOnly Order is rejected", "Margin is insufficient")

# ccxt's order parameter for an order that may only shrink a futures position
REDUCE_ONLY_PARAM = "reduceOnly"

# venues whose API reports whether a key may withdraw
PERMISSION_CHECKS = frozenset({"binance"})

DRY_RUN_PREFIX = "DRYRUN-"
NANOS_PER_MILLI = 1_000_000


def client_id_query_param(exchange_id: str) -> str:
    return CLIENT_ID_QUERY_PARAM.get(exchange_id, DEFAULT_CLIENT_ID_QUERY_PARAM)
