"""Built-in strategies (ENG-5): each declares its parameters with allowed ranges."""

from ai_trader.strategies.base import Strategy, StrategyContext
from ai_trader.strategies.breakout import Breakout, BreakoutParams
from ai_trader.strategies.params import (
    ParameterSpec,
    StrategyParams,
    describe_parameters,
    parse_params,
)
from ai_trader.strategies.registry import STRATEGIES, build_params, create_strategy, strategy_class
from ai_trader.strategies.rsi_reversion import RsiReversion, RsiReversionParams
from ai_trader.strategies.sma_cross import SmaCross, SmaCrossParams

__all__ = [
    "STRATEGIES",
    "Breakout",
    "BreakoutParams",
    "ParameterSpec",
    "RsiReversion",
    "RsiReversionParams",
    "SmaCross",
    "SmaCrossParams",
    "Strategy",
    "StrategyContext",
    "StrategyParams",
    "build_params",
    "create_strategy",
    "describe_parameters",
    "parse_params",
    "strategy_class",
]
