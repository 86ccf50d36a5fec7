"""Portfolio accounting and performance statistics (ENG-4)."""

from ai_trader.portfolio.equity import EquityCurve
from ai_trader.portfolio.portfolio import Portfolio
from ai_trader.portfolio.stats import PerformanceStats, RunTotals, compute_stats, max_drawdown
from ai_trader.portfolio.trades import ClosedTrade, TradeLog

__all__ = [
    "ClosedTrade",
    "EquityCurve",
    "PerformanceStats",
    "Portfolio",
    "RunTotals",
    "TradeLog",
    "compute_stats",
    "max_drawdown",
]
