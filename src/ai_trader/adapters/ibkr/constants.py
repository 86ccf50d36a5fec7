"""What the Interactive Brokers adapter assumes about IB, declared as data."""

from __future__ import annotations

import sys
from types import MappingProxyType

from ai_trader.domain.enums import LiquiditySide, OrderStatus, OrderType, Side

EXTRA_MISSING = (
    "the Interactive Brokers adapter needs the ibkr extra: pip install 'ai-trader[ibkr]'"
)

# security types, and where an order for each is routed unless the symbol says otherwise
STOCK, FOREX, FUTURE = "STK", "CASH", "FUT"
STOCK_EXCHANGE = "SMART"  # IB's smart router
FOREX_EXCHANGE = "IDEALPRO"

# a base/quote pair of two of these is a forex pair (IDEALPRO); anything else is a stock
FOREX_CURRENCIES = frozenset(
    {
        "AUD", "CAD", "CHF", "CNH", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "ILS", "JPY",
        "MXN", "NOK", "NZD", "PLN", "SEK", "SGD", "TRY", "USD", "ZAR",
    }
)  # fmt: skip

# futures roots this adapter knows the exchange of ("ES/USD:FUT:202612")
FUTURE_EXCHANGES = MappingProxyType(
    {
        "ES": "CME",
        "MES": "CME",
        "NQ": "CME",
        "MNQ": "CME",
        "RTY": "CME",
        "YM": "CBOT",
        "ZN": "CBOT",
        "CL": "NYMEX",
        "NG": "NYMEX",
        "GC": "COMEX",
        "SI": "COMEX",
    }
)

ACTIONS = MappingProxyType({Side.BUY: "BUY", Side.SELL: "SELL"})
ORDER_TYPES = MappingProxyType(
    {OrderType.MARKET: "MKT", OrderType.LIMIT: "LMT", OrderType.STOP: "STP"}
)
# time in force: a market order lives for the day, a resting order until canceled
TIME_IN_FORCE = MappingProxyType(
    {OrderType.MARKET: "DAY", OrderType.LIMIT: "GTC", OrderType.STOP: "GTC"}
)
# execution side as IB reports it ("bought", "sold")
EXECUTION_SIDES = MappingProxyType({"BOT": Side.BUY, "SLD": Side.SELL})
# Execution.lastLiquidity: 1 added liquidity; 2 removed it, 3 routed out: taker
ADDED_LIQUIDITY = 1
LIQUIDITY = MappingProxyType({ADDED_LIQUIDITY: LiquiditySide.MAKER})

# IB order status → ours ("Submitted" with a fill becomes partially filled). "Inactive" is
# an order IB will not work (refused by risk checks, or outside its hours): rejected.
ORDER_STATUS = MappingProxyType(
    {
        "PendingSubmit": OrderStatus.PENDING_SUBMIT,
        "ApiPending": OrderStatus.PENDING_SUBMIT,
        "PreSubmitted": OrderStatus.ACCEPTED,
        "Submitted": OrderStatus.ACCEPTED,
        "ApiUpdate": OrderStatus.ACCEPTED,
        "ValidationError": OrderStatus.ACCEPTED,
        "PendingCancel": OrderStatus.ACCEPTED,
        "Filled": OrderStatus.FILLED,
        "Cancelled": OrderStatus.CANCELED,
        "ApiCancelled": OrderStatus.CANCELED,
        "Inactive": OrderStatus.REJECTED,
    }
)
CANCELED_STATUSES = frozenset({"Cancelled", "ApiCancelled"})
REJECTED_STATUS = "Inactive"

# bracket exits: client order ids ``<entry id>.tp`` / ``<entry id>.sl`` (as the simulated
# venue names them) and the OCA group ``<entry id>.oca``; ocaType 1 cancels the sibling
# and blocks overfills
TAKE_PROFIT_SUFFIX = ".tp"
STOP_LOSS_SUFFIX = ".sl"
OCA_SUFFIX = ".oca"
OCA_CANCEL_WITH_BLOCK = 1

# IB's "no value" for a double (sys.float_info.max), e.g. a commission not yet known
UNSET_DOUBLE = sys.float_info.max

# a fill whose commission report has not arrived after this long is reported with fee 0
COMMISSION_WAIT_NS = 10_000_000_000

DRY_RUN_PREFIX = "DRYRUN-"
