"""Live venues through ccxt (SPEC EXE-2): the ``Executor`` port over a synchronous
``ccxt.Exchange``, and the trade-only key check."""

from ai_trader.adapters.ccxt.client import CcxtExecutor
from ai_trader.adapters.ccxt.mapping import MarketRules, rules_from_market
from ai_trader.adapters.ccxt.permissions import check_key_permissions

__all__ = ["CcxtExecutor", "MarketRules", "check_key_permissions", "rules_from_market"]
