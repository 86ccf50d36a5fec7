"""The built-in strategies by name."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from ai_trader.core.errors import ConfigurationError
from ai_trader.strategies.base import Strategy
from ai_trader.strategies.breakout import Breakout
from ai_trader.strategies.params import StrategyParams, parse_params
from ai_trader.strategies.rsi_reversion import RsiReversion
from ai_trader.strategies.sma_cross import SmaCross

_BUILT_IN: tuple[type[Strategy[Any]], ...] = (SmaCross, RsiReversion, Breakout)
STRATEGIES: Mapping[str, type[Strategy[Any]]] = {cls.name: cls for cls in _BUILT_IN}


def strategy_class(name: str) -> type[Strategy[Any]]:
    try:
        return STRATEGIES[name]
    except KeyError:
        hint = difflib.get_close_matches(name, list(STRATEGIES), n=1)
        did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ConfigurationError(
            f"unknown strategy {name!r}{did_you_mean} (available: {', '.join(STRATEGIES)})"
        ) from None


def build_params(name: str, raw: Mapping[str, object] | None = None) -> StrategyParams:
    cls = strategy_class(name)
    return parse_params(name, cls.params_type, raw)


def create_strategy(
    name: str, symbol: str, raw_params: Mapping[str, object] | None = None
) -> Strategy[StrategyParams]:
    """Build a validated strategy instance for ``symbol``."""
    cls = strategy_class(name)
    return cls(build_params(name, raw_params), symbol)
